using System.Globalization;
using BlobImageStore.Errors;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Content;

/// <summary>
/// How whole-file writes and deletes meet open upload sessions. A session's chunks are uncommitted blocks on the file's
/// own blob, and Azure discards a blob's uncommitted blocks whenever the blob is written (Put Blob, Put Block List, Copy
/// Blob) or deleted. So:
/// <list type="bullet">
/// <item>writing a file that has an open session (UploadFile, or a Copy onto it) is refused with 409, exactly like a
/// second session on the path, before anything is written;</item>
/// <item>deleting a path ends every open session on it or below it, the way DeleteUploadSession does (record, path
/// claim and staged blocks), since the client asked for everything there to be gone.</item>
/// </list>
/// A file's session is found through its path claim; the sessions under a folder through a scan of all claims.
/// </summary>
public sealed partial class PathSessions(
    UploadSessions sessions,
    ISessionRecords records,
    IPathClaimScan claims,
    ILogger<PathSessions> logger)
{
    /// <summary>409 FABRIC_E_UPLOAD_SESSION_ID_CONFLICT when an open upload session holds <paramref name="path"/>.</summary>
    public async Task ThrowIfOpenAsync(StorePath path, string action, CancellationToken cancellationToken)
    {
        if (await sessions.GetByPathAsync(path, cancellationToken) is { } open)
        {
            throw Conflict(open.Record, action);
        }
    }

    /// <summary>409 FABRIC_E_UPLOAD_SESSION_ID_CONFLICT when an open upload session holds any of <paramref name="paths"/>.</summary>
    public async Task ThrowIfAnyOpenAsync(IReadOnlySet<string> paths, string action, CancellationToken cancellationToken)
    {
        await foreach (var claim in claims.ListClaimsAsync(cancellationToken))
        {
            if (paths.Contains(claim.Path)
                && await sessions.GetByIdAsync(claim.SessionId, cancellationToken) is { } open
                && open.Record.Path == claim.Path)
            {
                throw Conflict(open.Record, action);
            }
        }
    }

    /// <summary>Ends every open upload session on <paramref name="path"/> or below it; returns how many.</summary>
    public async Task<int> EndUnderAsync(StorePath path, CancellationToken cancellationToken)
    {
        var found = new List<Guid>();
        await foreach (var claim in claims.ListClaimsAsync(cancellationToken))
        {
            if (IsAtOrUnder(claim.Path, path))
            {
                found.Add(claim.SessionId);
            }
        }

        var ended = 0;
        foreach (var sessionId in found.Distinct())
        {
            // Only sessions still open and still for a path being deleted (a stale claim may name a session id that was
            // reused elsewhere since). A committed session's record is its tombstone for repeated commits: keep it.
            if (await records.GetAsync(sessionId, cancellationToken) is { Value: { State: SessionState.Open } record }
                && IsAtOrUnder(record.Path, path))
            {
                await sessions.DeleteAsync(sessionId, cancellationToken);
                LogEnded(logger, sessionId, record.Path, path.Value);
                ended++;
            }
        }

        return ended;
    }

    private static bool IsAtOrUnder(string candidate, StorePath path) =>
        candidate == path.Value || (candidate.Length > path.Value.Length && candidate.StartsWith(path.Value + "/", StringComparison.Ordinal));

    private static FabricException Conflict(UploadSessionRecord session, string action) =>
        FabricException.SessionConflict(
            $"'{session.Path}' has an open upload session, {session.SessionId} (started {Iso(session.Created)}, last chunk {Iso(session.Modified)}). " +
            $"{action} would discard the chunks that session has received (Blob Storage drops a file's uncommitted blocks whenever the file is written), so nothing was changed. " +
            $"Finish the session (send the ranges GET /ImageStore/{session.Path}/$/GetUploadSession lists, then POST /ImageStore/$/CommitUploadSession?session-id={session.SessionId}) " +
            $"or end it with DELETE /ImageStore/$/DeleteUploadSession?session-id={session.SessionId}, then retry.");

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload session {SessionId} for {StorePath} ended because {DeletedPath} was deleted")]
    private static partial void LogEnded(ILogger logger, Guid sessionId, string storePath, string deletedPath);
}
