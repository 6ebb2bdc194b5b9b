using BlobImageStore.Paths;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Content;

/// <summary>What a delete did.</summary>
public sealed record RemovalReport(int FilesDeleted, int SessionsEnded);

/// <summary>
/// Deletes a path: the file of that name and every file under it as a folder (Blob Storage may hold both). First it ends
/// every open upload session on or under the path (see <see cref="PathSessions"/>), so none can commit a file into the
/// deleted folder afterwards; then it deletes the files, several at a time. Nothing there is success too (note S12).
/// A delete cut short (timeout, storage failure) has deleted part of the files; sending it again finishes it.
/// </summary>
public sealed partial class ContentRemoval(IFileIndex index, IFileRemoval removal, PathSessions sessions, ILogger<ContentRemoval> logger)
{
    private const int Concurrency = 16;
    private const int Batch = 1000;

    public async Task<RemovalReport> DeleteAsync(StorePath path, CancellationToken cancellationToken)
    {
        var ended = await sessions.EndUnderAsync(path, cancellationToken);

        var deleted = await removal.DeleteAsync(path.Value, cancellationToken) ? 1 : 0;
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
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
            async (name, ct) =>
            {
                if (await removal.DeleteAsync(name, ct))
                {
                    Interlocked.Increment(ref deleted);
                }
            });
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {StorePath}: {Files} files, {Sessions} upload sessions ended")]
    private static partial void LogDeleted(ILogger logger, string storePath, int files, int sessions);
}
