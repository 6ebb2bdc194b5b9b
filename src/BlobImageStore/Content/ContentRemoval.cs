using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Content;

/// <summary>What a delete did.</summary>
public sealed record RemovalReport(int FilesDeleted, int SessionsEnded, Outcome? Refusal = null);

/// <summary>
/// Deletes a path: the file of that name and every file under it as a folder (Blob Storage may hold both). First it ends
/// every open upload session on or under the path, found by the prefix of their claims (cost: the sessions under the
/// path, not those of the whole store), so none can commit into the deleted folder afterwards. Then it deletes each file
/// under its path's write claim (<see cref="PathWrites"/>): deleting a blob discards its staged blocks, so a session
/// started on that path meanwhile is ended first rather than silently losing its chunks. Nothing there is success too
/// (note S12). A delete cut short (timeout, storage failure) has deleted part of the files; sending it again finishes it.
/// </summary>
public sealed partial class ContentRemoval(IFileIndex index, IFileRemoval removal, UploadSessions sessions, PathWrites writes, ILogger<ContentRemoval> logger)
{
    private const int Concurrency = 16;
    private const int Batch = 1000;

    public async Task<RemovalReport> DeleteAsync(StorePath path, CancellationToken cancellationToken)
    {
        var ended = await sessions.EndAtOrBelowAsync(path, cancellationToken);

        var deleted = 0;
        if (await index.GetAsync(path, cancellationToken) is not null)
        {
            var refusal = await writes.RunAsync(path, WriteAction.Delete, async (_, ct) =>
            {
                if (await removal.DeleteAsync(path.Value, ct))
                {
                    deleted++;
                }
            }, cancellationToken);
            if (refusal is not null)
            {
                return new RemovalReport(deleted, ended, refusal);
            }
        }

        var names = new List<string>(Batch);
        await foreach (var file in index.ListAllAsync(path.Value + "/", cancellationToken))
        {
            names.Add(file.Name);
            if (names.Count == Batch)
            {
                deleted += await DeleteAllAsync(names, cancellationToken);
                names.Clear();
            }
        }

        deleted += await DeleteAllAsync(names, cancellationToken);
        LogDeleted(logger, path.Value, deleted, ended);
        return new RemovalReport(deleted, ended);
    }

    private async Task<int> DeleteAllAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var deleted = 0;
        if (names.Count == 0)
        {
            return 0;
        }

        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
            async (name, ct) =>
            {
                if (!StorePath.TryParse(name, out var file))
                {
                    // A name this store would not have written (another tool's): no session can be staged there.
                    if (await removal.DeleteAsync(name, ct))
                    {
                        Interlocked.Increment(ref deleted);
                    }

                    return;
                }

                await writes.RunAsync(file, WriteAction.Delete, async (_, inner) =>
                {
                    if (await removal.DeleteAsync(name, inner))
                    {
                        Interlocked.Increment(ref deleted);
                    }
                }, ct);
            });
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {StorePath}: {Files} files, {Sessions} upload sessions ended")]
    private static partial void LogDeleted(ILogger logger, string storePath, int files, int sessions);
}
