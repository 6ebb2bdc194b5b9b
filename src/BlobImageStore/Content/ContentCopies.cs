using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Content;

/// <summary>A validated CopyImageStoreContent request.</summary>
public sealed record CopyRequest(StorePath Source, StorePath Destination, IReadOnlyList<string> SkipFiles, bool CheckMarkFile);

/// <summary>What a copy did.</summary>
public sealed record CopyReport(int Copied, int Skipped, bool SkippedForMissingMarkFile);

/// <summary>A copy's report, or why it was refused before anything was copied (a target held by a session or a write).</summary>
public sealed record CopyResult(CopyReport? Report, Outcome? Refusal);

/// <summary>
/// Server-side copies inside the store (blob to blob, see <see cref="IFileCopy"/>). The source is a folder when files are
/// under it (a file of the same name then does not count, as in listings), else the file of that name, else 404.
/// A folder is copied file by file to the same relative paths under the destination, replacing files there and leaving
/// other files of the destination alone.
/// <list type="bullet">
/// <item><c>SkipFiles</c>: a file is skipped when an entry equals its name or its path relative to the source
/// (either separator), ignoring case as Service Fabric on Windows does.</item>
/// <item><c>CheckMarkFile</c>: a folder without its mark file (<c>_.dir</c> directly in it) is not complete, and then
/// nothing is copied (the answer is still 200, as "the copy is skipped"). It does not apply to a single file.</item>
/// </list>
/// Everything that can refuse the request is checked before the first file is copied: the paths, the source, and the
/// target paths, whose write claims (<see cref="PathWrites"/>) are all taken first: a target held by an open upload
/// session refuses the copy (409 naming the session) and the claims taken so far are released. A copy cut short by a timeout or a
/// storage failure has copied part of the files; sending it again completes it.
/// </summary>
public sealed partial class ContentCopies(IFileIndex index, IFileCopy copier, PathWrites writes, ILogger<ContentCopies> logger)
{
    public const string MarkFileName = ImageStoreProtocol.MarkFileName;

    private const int Concurrency = 8;

    public async Task<CopyResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        var (source, destination) = (request.Source, request.Destination);
        if (destination == source || destination.Value.StartsWith(source.Value + "/", StringComparison.Ordinal))
        {
            return new CopyResult(null, new CopyIntoSource(source, destination));
        }

        var folderFiles = new List<StoredFile>();
        await foreach (var file in index.ListAllAsync(source.Value + "/", cancellationToken))
        {
            folderFiles.Add(file);
        }

        List<(string Source, StorePath Target)> plan;
        var skipped = 0;
        if (folderFiles.Count > 0)
        {
            if (request.CheckMarkFile && !folderFiles.Any(f => f.Name == source.Value + "/" + MarkFileName))
            {
                LogSkippedNoMark(logger, source.Value, destination.Value);
                return new CopyResult(new CopyReport(0, folderFiles.Count, SkippedForMissingMarkFile: true), null);
            }

            plan = [];
            foreach (var file in folderFiles)
            {
                var relative = file.Name[(source.Value.Length + 1)..];
                if (IsSkipped(relative, request.SkipFiles))
                {
                    skipped++;
                    continue;
                }

                if (!StorePath.TryParse(destination.Value + "/" + relative, out var target, out var invalid))
                {
                    return new CopyResult(null, new InvalidPath(invalid, "RemoteDestination"));
                }

                plan.Add((file.Name, target));
            }
        }
        else
        {
            if (await index.GetAsync(source, cancellationToken) is null)
            {
                return new CopyResult(null, new CopySourceMissing(source));
            }

            if (IsSkipped(source.Value[(source.Value.LastIndexOf('/') + 1)..], request.SkipFiles))
            {
                return new CopyResult(new CopyReport(0, 1, SkippedForMissingMarkFile: false), null);
            }

            plan = [(source.Value, destination)];
        }

        // Take every target's write claim before the first byte is copied: a copy replaces the blob, which would discard
        // the staged blocks of a session there.
        var leases = new List<WriteLease>();
        try
        {
            foreach (var item in plan)
            {
                var claimed = await writes.AcquireAsync(item.Target, WriteAction.Copy, cancellationToken);
                if (claimed is not WriteClaimed held)
                {
                    return new CopyResult(null, claimed);
                }

                leases.Add(writes.Lease(held.Claim));
            }

            await ForEachAsync(plan.Zip(leases).ToList(), cancellationToken,
                async (pair, ct) =>
                {
                    var ((from, target), lease) = pair;
                    if (!await lease.KeepAsync(ct))
                    {
                        throw new CopyStopped(new WriteLeaseLost(target, WriteAction.Copy));
                    }

                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Ending);
                    if (!await copier.CopyAsync(from, target, linked.Token))
                    {
                        throw new CopyStopped(new CopySourceVanished(from, target));
                    }
                });
        }
        catch (CopyStopped stopped)
        {
            return new CopyResult(null, stopped.Refusal);
        }
        finally
        {
            using var release = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            foreach (var lease in leases)
            {
                await writes.ReleaseAsync(lease.Claim, release.Token);
                lease.Dispose();
            }
        }

        LogCopied(logger, source.Value, destination.Value, plan.Count, skipped);
        return new CopyResult(new CopyReport(plan.Count, skipped, SkippedForMissingMarkFile: false), null);
    }

    /// <summary>Stops the other copies of a folder when one of them is refused; <see cref="CopyAsync"/> returns the refusal.</summary>
    private sealed class CopyStopped(Outcome refusal) : Exception(refusal.GetType().Name)
    {
        public Outcome Refusal { get; } = refusal;
    }

    /// <summary>Several at a time; a single file on the calling flow (no thread hop for the common case).</summary>
    private static async Task ForEachAsync<T>(IReadOnlyList<T> items, CancellationToken cancellationToken, Func<T, CancellationToken, ValueTask> body)
    {
        if (items.Count == 1)
        {
            await body(items[0], cancellationToken);
            return;
        }

        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, body);
    }

    private static bool IsSkipped(string relative, IReadOnlyList<string> skipFiles)
    {
        if (skipFiles.Count == 0)
        {
            return false;
        }

        var name = relative[(relative.LastIndexOf('/') + 1)..];
        return skipFiles.Any(s =>
        {
            var entry = s.Replace('\\', '/').Trim('/');
            return string.Equals(entry, name, StringComparison.OrdinalIgnoreCase) || string.Equals(entry, relative, StringComparison.OrdinalIgnoreCase);
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Copied {Source} to {Destination}: {Copied} files, {Skipped} skipped")]
    private static partial void LogCopied(ILogger logger, string source, string destination, int copied, int skipped);

    [LoggerMessage(Level = LogLevel.Information, Message = "Copy of {Source} to {Destination} skipped: CheckMarkFile is set and the folder has no _.dir")]
    private static partial void LogSkippedNoMark(ILogger logger, string source, string destination);
}
