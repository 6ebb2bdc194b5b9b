using Azure;
using BlobImageStore.Errors;
using BlobImageStore.Paths;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Content;

/// <summary>A validated CopyImageStoreContent request.</summary>
public sealed record CopyRequest(StorePath Source, StorePath Destination, IReadOnlyList<string> SkipFiles, bool CheckMarkFile);

/// <summary>What a copy did.</summary>
public sealed record CopyReport(int Copied, int Skipped, bool SkippedForMissingMarkFile);

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
/// open upload sessions on the target files (409, see <see cref="PathSessions"/>). A copy cut short by a timeout or a
/// storage failure has copied part of the files; sending it again completes it.
/// </summary>
public sealed partial class ContentCopies(IFileIndex index, IFileCopy copier, PathSessions sessions, ILogger<ContentCopies> logger)
{
    public const string MarkFileName = "_.dir";

    private const int Concurrency = 8;

    public async Task<CopyReport> CopyAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        var (source, destination) = (request.Source, request.Destination);
        if (destination == source || destination.Value.StartsWith(source.Value + "/", StringComparison.Ordinal))
        {
            throw FabricException.InvalidArgument(
                $"RemoteDestination '{destination}' is {(destination == source ? "the same as" : "inside")} RemoteSource '{source}'. Copy to a path outside the source.");
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
                return new CopyReport(0, folderFiles.Count, SkippedForMissingMarkFile: true);
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

                plan.Add((file.Name, StorePath.Parse(destination.Value + "/" + relative)));
            }
        }
        else
        {
            _ = await index.GetAsync(source, cancellationToken) ?? throw FabricException.NotFound(
                $"RemoteSource '{source}' names no file or folder in the image store. Check the path (GET /ImageStore/{source} lists what is there).");
            if (IsSkipped(source.Value[(source.Value.LastIndexOf('/') + 1)..], request.SkipFiles))
            {
                return new CopyReport(0, 1, SkippedForMissingMarkFile: false);
            }

            plan = [(source.Value, destination)];
        }

        const string action = "Copying onto it";
        if (plan.Count == 1)
        {
            await sessions.ThrowIfOpenAsync(plan[0].Target, action, cancellationToken);
        }
        else if (plan.Count > 1)
        {
            await sessions.ThrowIfAnyOpenAsync(plan.Select(p => p.Target.Value).ToHashSet(StringComparer.Ordinal), action, cancellationToken);
        }

        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                try
                {
                    await copier.CopyAsync(item.Source, item.Target, ct);
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    throw FabricException.NotFound(
                        $"'{item.Source}' was deleted while it was being copied to '{item.Target}'; the copy is incomplete. Upload the source again, then repeat the copy.");
                }
            });

        LogCopied(logger, source.Value, destination.Value, plan.Count, skipped);
        return new CopyReport(plan.Count, skipped, SkippedForMissingMarkFile: false);
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
