using System.Security.Cryptography;
using BlobImageStore.Errors;
using BlobImageStore.Paths;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Sessions;

/// <summary>An UploadChunk as the HTTP layer hands it over.</summary>
public sealed record ChunkRequest(StorePath Path, Guid SessionId, ContentRange Range, long? ContentLength, byte[]? ContentMd5);

/// <summary>An open session and what it still misses.</summary>
public sealed record SessionStatus(UploadSessionRecord Record, IReadOnlyList<ByteRange> ExpectedRanges);

/// <summary>
/// The upload-session operations (UploadChunk, GetUploadSession, CommitUploadSession, DeleteUploadSession) on
/// Azure block staging. Stateless: every decision is made from storage, with conditional writes, so chunks of one
/// session may arrive at once at any number of server instances.
/// A session past its expiry (<see cref="SessionLifetime"/>) is treated as expired whether or not the cleanup has run:
/// it is not answered (204), a chunk or commit for it is a 404 saying it expired, and its path is free.
/// </summary>
public sealed partial class UploadSessions(
    IBlockStaging staging,
    ISessionRecords records,
    IPathClaims claims,
    ChunkWriter writer,
    ReceivedChunkCache receivedCache,
    PathRelease release,
    IOptions<ImageStoreOptions> options,
    TimeProvider clock,
    ILogger<UploadSessions> logger)
{
    private const int MaxAttempts = 8;

    private ChunkLayout Layout => new(options.Value.BlockSize, options.Value.MaxChunkSize);

    private SessionLifetime Lifetime => new(options.Value);

    /// <summary>Stages one chunk (creating the session on its first chunk) and returns the bytes written.</summary>
    public async Task<long> UploadChunkAsync(ChunkRequest request, Stream body, CancellationToken cancellationToken)
    {
        var layout = Layout;
        layout.Validate(request.Range, request.ContentLength);

        var session = await OpenOrCreateAsync(request.Path, request.SessionId, request.Range.Total, cancellationToken);
        var incarnation = session.Record.Value.Incarnation;
        var received = receivedCache.Get(request.SessionId, incarnation)
            ?? receivedCache.Remember(request.SessionId, incarnation, await LoadAsync(session.Record.Value, cancellationToken));

        // Re-sending exactly a received chunk is accepted (a client whose answer was lost must be able to retry);
        // its bytes are checked and dropped. Any other overlap with received bytes is refused.
        var range = request.Range.Range;
        var resend = false;
        if (!request.Range.IsEmptyFile && received.Overlap(range) is { Count: > 0 } overlap)
        {
            resend = received.Contains(range);
            if (!resend)
            {
                var missing = (await LoadAsync(session.Record.Value, cancellationToken)).Missing;
                throw FabricException.RangeNotSatisfiable(
                    $"Bytes {string.Join(", ", overlap)} of {request.Range} were already received in other chunks. Send only the ranges that GetUploadSession lists as ExpectedRanges: {Describe(missing)}.");
            }
        }

        var target = new ChunkTarget(request.Path, request.SessionId, session.Record.Value.Incarnation, request.Range, request.ContentMd5);
        try
        {
            await writer.WriteAsync(target, layout, body, stage: !resend, cancellationToken);
        }
        catch when (session.Created)
        {
            // A rejected first chunk leaves no session behind (unless another chunk has touched it since).
            await RollBackAsync(session.Record, request.Path);
            throw;
        }

        await TouchAsync(session.Record, cancellationToken);
        if (!request.Range.IsEmptyFile)
        {
            received.Add(range);
        }

        LogChunk(logger, request.SessionId, request.Path.Value, request.Range.First, request.Range.Last, request.Range.Total, resend);
        return resend ? 0 : request.Range.Length;
    }

    public async Task<SessionStatus?> GetByIdAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var session = await records.GetAsync(sessionId, cancellationToken);
        return session is { } s && Lifetime.IsLive(s.Value, clock.GetUtcNow()) ? await StatusAsync(s.Value, cancellationToken) : null;
    }

    public async Task<SessionStatus?> GetByPathAsync(StorePath path, CancellationToken cancellationToken)
    {
        var claim = await claims.GetAsync(path, cancellationToken);
        if (claim is null)
        {
            return null;
        }

        var session = await records.GetAsync(claim.Value.Value, cancellationToken);
        return session is { } s && Lifetime.IsLive(s.Value, clock.GetUtcNow()) && s.Value.Path == path.Value
            ? await StatusAsync(s.Value, cancellationToken)
            : null;
    }

    /// <summary>Commits the session's chunks, in file order, as the blob at its path: one Put Block List.</summary>
    public async Task CommitAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var session = await records.GetAsync(sessionId, cancellationToken)
                ?? throw FabricException.NotFound(
                    $"There is no upload session {sessionId}: it was never started, was deleted, or expired. Upload the file again with UploadChunk, then commit.");
            var record = session.Value;
            if (record.State == SessionState.Committed)
            {
                return; // Committing again is a success (note S6).
            }

            if (Lifetime.IsExpired(record, clock.GetUtcNow()))
            {
                throw Lifetime.ExpiredError(record);
            }

            var staged = await LoadAsync(record, cancellationToken);
            var order = staged.CommitOrder();
            if (order is null)
            {
                throw FabricException.InvalidArgument(staged.Missing.Count > 0
                    ? $"Upload session {sessionId} is not complete: bytes {Describe(staged.Missing)} of {record.FileSize} are missing. Send them with UploadChunk, then commit again; the session stays open."
                    : $"Upload session {sessionId} holds chunks that overlap at bytes {Describe(staged.Overlaps())} (overlapping chunks were sent at the same moment), so no single copy of the file can be made. Delete the session and upload the file again.");
            }

            // Touch the record first (conditionally): the session can then not expire under the commit, so the cleanup
            // cannot release the path and let a new session stage blocks there that the Put Block List would drop.
            if (await TryTouchAsync(session, cancellationToken) is not { } touched)
            {
                continue; // A chunk touched the record meanwhile, or it ended: go again with what is there now.
            }

            var path = StorePath.Parse(record.Path);
            await staging.CommitAsync(path, order, cancellationToken);

            var committed = touched.Value with { State = SessionState.Committed, Modified = clock.GetUtcNow() };
            if (await records.TryReplaceAsync(committed, touched.Version, cancellationToken) is null)
            {
                continue; // A chunk touched the record meanwhile; the commit is idempotent, so go again.
            }

            await ReleaseClaimAsync(path, sessionId, cancellationToken);
            LogCommitted(logger, sessionId, record.Path, record.FileSize, order.Count);
            return;
        }

        throw Busy(sessionId);
    }

    /// <summary>Ends a session and discards its staged blocks as far as Azure allows; a committed file is never touched.</summary>
    public async Task DeleteAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        (StorePath Path, string Version)? marked = null;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var session = await records.GetAsync(sessionId, cancellationToken);
            if (session is null)
            {
                return; // Nothing to delete: deleting is idempotent.
            }

            var record = session.Value.Value;
            var path = StorePath.Parse(record.Path);
            var claim = await claims.GetClaimAsync(path, cancellationToken);
            var ours = claim is { } c && c.Value.SessionId == sessionId;
            var releasing = ours && Lifetime.Classify(claim!.Value.Value, record, clock.GetUtcNow()) == ClaimStanding.Releasing;
            if (record.State != SessionState.Committed && ours && !releasing && marked?.Path != path)
            {
                // Open or expired: discard while the path is still claimed by this session, marked releasing, so no new
                // session can have staged blocks there. If another session holds the path already (this one expired),
                // the old blocks are that session's to drop.
                if (await release.DiscardUnderClaimAsync(path, claim!.Value, cancellationToken) is { } version)
                {
                    marked = (path, version);
                }
            }

            if (!await records.TryDeleteAsync(sessionId, session.Value.Version, cancellationToken))
            {
                continue;
            }

            if (marked is { } m && m.Path == path)
            {
                await claims.ReleaseAsync(path, m.Version, cancellationToken);
            }
            else if (!releasing)
            {
                // A claim someone else marked releasing is theirs to release, once their discard is done.
                await ReleaseClaimAsync(path, sessionId, cancellationToken);
            }

            LogDeleted(logger, sessionId, record.Path, record.State);
            return;
        }

        throw Busy(sessionId);
    }

    private async Task<(Versioned<UploadSessionRecord> Record, bool Created)> OpenOrCreateAsync(StorePath path, Guid sessionId, long fileSize, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var existing = await records.GetAsync(sessionId, cancellationToken);
            if (existing is { } ended && Lifetime.IsExpired(ended.Value, clock.GetUtcNow()))
            {
                // Never a silent restart at offset 0: the client must learn that its chunks are gone.
                throw Lifetime.ExpiredError(ended.Value);
            }

            if (existing is { Value.State: SessionState.Open } open)
            {
                if (open.Value.Path != path.Value)
                {
                    throw FabricException.SessionConflict(
                        $"Upload session {sessionId} is uploading '{open.Value.Path}', not '{path}'. Use a new session-id for each file.");
                }

                if (open.Value.FileSize != fileSize)
                {
                    throw FabricException.InvalidArgument(
                        $"Upload session {sessionId} is for a file of {open.Value.FileSize} bytes, but this Content-Range says {fileSize}. Send the same file length in every chunk, or delete the session and start again.");
                }

                return (open, false);
            }

            // No open session with this id (new, or reused after a commit or delete): claim the path, then create.
            if (!await ClaimPathAsync(path, sessionId, attempt, cancellationToken))
            {
                continue;
            }

            var now = clock.GetUtcNow();
            var record = new UploadSessionRecord(sessionId, path.Value, fileSize, NewIncarnation(), now, now, SessionState.Open);
            if (await records.TryCreateAsync(record, existing?.Version, cancellationToken) is { } version)
            {
                LogStarted(logger, sessionId, path.Value, fileSize);
                return (new Versioned<UploadSessionRecord>(record, version), true);
            }

            // A concurrent first chunk of the same session created it: read theirs.
        }

        throw Busy(sessionId);
    }

    private async Task RollBackAsync(Versioned<UploadSessionRecord> session, StorePath path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            if (await records.TryDeleteAsync(session.Value.SessionId, session.Version, timeout.Token))
            {
                await ReleaseClaimAsync(path, session.Value.SessionId, timeout.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or Azure.RequestFailedException or AggregateException)
        {
            // The session stays, empty; it expires like any abandoned one.
            LogRollbackFailed(logger, session.Value.SessionId, e);
        }
    }

    /// <summary>
    /// True when the path is now claimed by this session; false to try again (after a short wait when the path is being
    /// released or its claim's session is just being created); throws when another open session holds it.
    /// </summary>
    private async Task<bool> ClaimPathAsync(StorePath path, Guid sessionId, int attempt, CancellationToken cancellationToken)
    {
        var claim = await claims.GetClaimAsync(path, cancellationToken);
        if (claim is null)
        {
            return await claims.TryClaimAsync(path, sessionId, replacing: null, cancellationToken);
        }

        var now = clock.GetUtcNow();
        if (claim.Value.Value.SessionId == sessionId)
        {
            // Our own claim, left by an earlier incarnation of this id: rewrite it (conditionally), so that a cleanup that
            // judged it stale from the old record can no longer mark it and discard under it.
            return Lifetime.Classify(claim.Value.Value, null, now) != ClaimStanding.Releasing
                ? await claims.TryClaimAsync(path, sessionId, replacing: claim.Value.Version, cancellationToken)
                : await WaitAsync(attempt, cancellationToken);
        }

        var holder = await records.GetAsync(claim.Value.Value.SessionId, cancellationToken);
        var standing = Lifetime.Classify(claim.Value.Value, holder?.Value, now);
        if (standing == ClaimStanding.Releasing || (standing == ClaimStanding.Live && holder is null))
        {
            // The previous session's blocks are being discarded, or another session's first chunk is creating it: wait.
            return await WaitAsync(attempt, cancellationToken);
        }

        if (standing == ClaimStanding.Live && holder is { } h)
        {
            throw FabricException.SessionConflict(
                $"'{path}' already has an open upload session, {h.Value.SessionId} (started {Iso(h.Value.Created)}, last chunk {Iso(h.Value.Modified)}). " +
                $"Only one session per path can be open, because committing one would discard the other's bytes. Resume it by sending the missing ranges (GET /ImageStore/{path}/$/GetUploadSession) with session-id={h.Value.SessionId}, " +
                $"or end it with DELETE /ImageStore/$/DeleteUploadSession?session-id={h.Value.SessionId}.");
        }

        // The claim is stale (its session was committed, deleted, expired, or never got a record): take it over.
        return await claims.TryClaimAsync(path, sessionId, replacing: claim.Value.Version, cancellationToken);
    }

    private static async Task<bool> WaitAsync(int attempt, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(100 * (attempt + 1)), cancellationToken);
        return false;
    }

    private async Task ReleaseClaimAsync(StorePath path, Guid sessionId, CancellationToken cancellationToken)
    {
        if (await claims.GetAsync(path, cancellationToken) is { } claim && claim.Value == sessionId)
        {
            await claims.ReleaseAsync(path, claim.Version, cancellationToken);
        }
    }

    /// <summary>
    /// Moves <c>ModifiedDate</c> to now (conditionally on the version read), unless the session expired meanwhile;
    /// null when the record changed since it was read.
    /// </summary>
    private async Task<Versioned<UploadSessionRecord>?> TryTouchAsync(Versioned<UploadSessionRecord> session, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (Lifetime.IsExpired(session.Value, now))
        {
            // It expired while this request ran: touching it now would revive it.
            throw Lifetime.ExpiredError(session.Value);
        }

        var touched = session.Value with { Modified = now };
        return await records.TryReplaceAsync(touched, session.Version, cancellationToken) is { } version
            ? new Versioned<UploadSessionRecord>(touched, version)
            : null;
    }

    /// <summary>Moves <c>ModifiedDate</c> to now after an accepted chunk; fails if the session ended or expired meanwhile.</summary>
    private async Task TouchAsync(Versioned<UploadSessionRecord> session, CancellationToken cancellationToken)
    {
        if (await TryTouchAsync(session, cancellationToken) is not null)
        {
            return;
        }

        // Another chunk touched it first (fine), unless the session was committed, deleted or expired while this one was written.
        var now = await records.GetAsync(session.Value.SessionId, cancellationToken);
        if (now is { } ended && ended.Value.Incarnation == session.Value.Incarnation && Lifetime.IsExpired(ended.Value, clock.GetUtcNow()))
        {
            throw Lifetime.ExpiredError(ended.Value);
        }

        if (now is not { Value.State: SessionState.Open } || now.Value.Value.Incarnation != session.Value.Incarnation)
        {
            throw FabricException.SessionConflict(
                $"Upload session {session.Value.SessionId} was committed or deleted while this chunk was being written, so the chunk was not kept. Check the file with GET /ImageStore/{session.Value.Path}, or start a new session.");
        }
    }

    private async Task<StagedChunks> LoadAsync(UploadSessionRecord record, CancellationToken cancellationToken)
    {
        var blocks = await staging.GetBlocksAsync(StorePath.Parse(record.Path), cancellationToken);
        return StagedChunks.FromBlocks(blocks, record.SessionId, record.Incarnation, record.FileSize);
    }

    private async Task<SessionStatus> StatusAsync(UploadSessionRecord record, CancellationToken cancellationToken) =>
        new(record, (await LoadAsync(record, cancellationToken)).Missing);

    private static uint NewIncarnation() => BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));

    private static string Describe(IReadOnlyList<ByteRange> ranges) =>
        ranges.Count == 0 ? "none" : string.Join(", ", ranges.Take(20)) + (ranges.Count > 20 ? $" and {ranges.Count - 20} more" : "");

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    private static FabricException Busy(Guid sessionId) =>
        new(System.Net.HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceTooBusy,
            $"Upload session {sessionId} kept changing under this request (many requests at once on one session, or the path's previous session still being cleaned up). Retry the request.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload session {SessionId} started for {StorePath} ({FileSize} bytes)")]
    private static partial void LogStarted(ILogger logger, Guid sessionId, string storePath, long fileSize);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Upload session {SessionId} received bytes {First}-{Last}/{Total} of {StorePath} (re-send: {Resend})")]
    private static partial void LogChunk(ILogger logger, Guid sessionId, string storePath, long first, long last, long total, bool resend);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload session {SessionId} committed {StorePath} ({FileSize} bytes, {BlockCount} blocks)")]
    private static partial void LogCommitted(ILogger logger, Guid sessionId, string storePath, long fileSize, int blockCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload session {SessionId}: the rejected first chunk's session could not be rolled back")]
    private static partial void LogRollbackFailed(ILogger logger, Guid sessionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload session {SessionId} for {StorePath} deleted (state {State})")]
    private static partial void LogDeleted(ILogger logger, Guid sessionId, string storePath, SessionState state);
}
