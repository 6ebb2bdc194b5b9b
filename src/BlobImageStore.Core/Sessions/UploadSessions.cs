using System.Security.Cryptography;
using BlobImageStore.Paths;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Sessions;

/// <summary>An UploadChunk as the HTTP layer hands it over.</summary>
/// <param name="Caller">The caller's stable identity, recorded as the owner of a new session (<see cref="SessionOwners"/>); null: not checked.</param>
/// <param name="Timeout">The request's timeout: the chunk is received until then at most (at most <see cref="SessionRules.MaxReceive"/>), and the session does not expire before.</param>
public sealed record ChunkRequest(StorePath Path, Guid SessionId, ContentRange Range, long? ContentLength, byte[]? ContentMd5, string? Caller = null, TimeSpan? Timeout = null);

/// <summary>An open session and what it still misses.</summary>
public sealed record SessionStatus(UploadSessionRecord Record, IReadOnlyList<ByteRange> ExpectedRanges);

/// <summary>
/// The upload-session protocol (UploadChunk, GetUploadSession, CommitUploadSession, DeleteUploadSession), stateless:
/// every decision is made from storage and every change is one conditional write, so chunks of one session may arrive
/// at once at any number of instances. The rules it keeps (each one a named property test in tests/BlobImageStore.ModelTests):
/// <list type="number">
/// <item>Acknowledged is final: a chunk's blocks carry its attempt's nonce, so no later request re-stages them; its final
/// block carries its digest; after staging it checks that no other attempt holds other bytes for an overlapping range
/// (else it voids itself and answers 409); and it answers 200 only after reading the record Open again (or, while a
/// commit or roll-back has fenced it, after a conditional write), which a commit's switch to Committing orders against
/// (docs/protocol.md, "Acknowledgement").</item>
/// <item>A refused request changes nothing: nothing of it counts (no final block, or a void marker).</item>
/// <item>Re-sends are verified against the digest in the block ID: same bytes 200, other bytes 409.</item>
/// <item>One write authority per path: the path claim (<see cref="PathWrites"/> for whole-file writers).</item>
/// <item>No phantom files: nothing but a commit's Put Block List ever writes the file; staged blocks of ended sessions
/// are left to Azure's garbage collection (invisible to every reader, and never counted again: their key differs).</item>
/// <item>Ended means ended: committed, deleted and expired sessions stay as tombstones; a chunk or commit gets the reason.</item>
/// </list>
/// </summary>
public sealed partial class UploadSessions(
    IBlockStaging staging,
    ISessionRecords records,
    IPathClaims claims,
    ChunkStreamer streamer,
    SessionMachine machine,
    ConflictRetry retry,
    TimeProvider clock,
    ILogger<UploadSessions> logger)
{
    public SessionMachine Machine => machine;

    /// <summary>Receives one chunk, creating the session on its first chunk.</summary>
    public async Task<Outcome> UploadChunkAsync(ChunkRequest request, Stream body, CancellationToken cancellationToken)
    {
        if (machine.Rules.LayoutFor(request.Range.Total).Check(request.Range, request.ContentLength) is { } outsideTheRules)
        {
            return outsideTheRules;
        }

        var created = new Created();
        var opened = await retry.RunAsync(_ => OpenAsync(request, created, cancellationToken), () => new Opened(null, new Busy(request.SessionId, request.Path.Value)), cancellationToken);
        if (opened.Refusal is { } refused)
        {
            if (created.Version is { } mine)
            {
                await RollBackAsync(mine); // created, then refused by a retry of the open (e.g. the path was taken meanwhile)
            }

            return refused;
        }

        Outcome outcome;
        try
        {
            outcome = await ReceiveAsync(request, opened.Session!.Value, opened.Deadline, body, cancellationToken);
        }
        catch when (created.Version is not null)
        {
            // A first chunk that failed (timeout, dropped connection, storage error) leaves no session behind either.
            await RollBackAsync(created.Version.Value);
            throw;
        }

        if (!outcome.Succeeded && created.Version is { } version)
        {
            await RollBackAsync(version);
        }

        return outcome;
    }

    private async Task<Outcome> ReceiveAsync(ChunkRequest request, Versioned<UploadSessionRecord> session, DateTimeOffset deadline, Stream body, CancellationToken cancellationToken)
    {
        var record = session.Value;
        var layout = machine.Rules.Layout(record);
        var range = request.Range;

        // The open made sure the session does not expire before this deadline (plus the clock skew): the chunk may not outlive it.
        using var ending = new CancellationTokenSource(Max(TimeSpan.Zero, deadline - clock.GetUtcNow()), clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ending.Token);
        var token = linked.Token;

        if (range.IsEmptyFile)
        {
            var empty = await streamer.ReadAsync(range, request.ContentMd5, layout, body, null, sha256: false, token);
            return empty.Refusal ?? await FinishAsync(session, new ChunkAccepted(0), 0, null, cancellationToken);
        }

        var view = await ViewAsync(record, clock.GetUtcNow(), token);
        var exact = view.Exactly(range.Range);
        if (exact.Count > 0)
        {
            // A re-send of a received range: verify it against the digest the final block carries; stage nothing. A copy
            // staged by an older version carries a SHA-256 digest, so for one of those the re-send is hashed that way too.
            var check = await streamer.ReadAsync(range, request.ContentMd5, layout, body, null, sha256: exact.Any(c => c.Digest.Sha256), token);
            if (check.Refusal is { } bad)
            {
                return bad;
            }

            if (view.Conflicted.Any(c => c.Range.Overlaps(range.Range)))
            {
                return new DuplicateConflict(record.SessionId, range.Range);
            }

            var matched = exact.Where(c => check.Digests.SameBytesAs(c.Digest)).ToList();
            if (matched.Count == 0)
            {
                return new ResendConflict(record.SessionId, range.Range);
            }

            if (view.Contests(range.Range, NoNonce, check.Digests))
            {
                // Another attempt with other bytes is between its final block and its confirmation: it will stand back,
                // unless the copy matched here confirmed late and was abandoned (docs/protocol.md, "Late confirmations").
                return new RaceConflict(record.SessionId, range.Range);
            }

            // The copy answered for must stand: one whose confirmation may have landed late (the clock, read after the
            // block list, is past its confirm-by) is written as late-confirmed first, unless it was abandoned meanwhile.
            var now = clock.GetUtcNow();
            var on = matched.Select(AttemptRef.Of).ToList();
            var settle = matched.All(c => c.ConfirmBy == default || c.ConfirmBy > now) ? [] : on;
            return await FinishAsync(session, new ResendMatched(), view.ReceivedBytes, new Standing(on, settle, new RaceConflict(record.SessionId, range.Range)), cancellationToken);
        }

        if (view.Overlap(range.Range) is { Count: > 0 } overlap)
        {
            return new RangeOverlap(record.SessionId, range, overlap, view.Missing);
        }

        // The attempt confirms its copy only before this time, stored in its block IDs; until then (plus the clock skew)
        // its complete but unconfirmed copy holds the range against other bytes.
        var target = new ChunkTarget(request.Path, record.Key, NewNonce(), BlockId.Stored(deadline + machine.Rules.ClockSkew));
        var staged = await streamer.ReadAsync(range, request.ContentMd5, layout, body, target, sha256: false, token);
        if (staged.Refusal is { } refusal)
        {
            return refusal;
        }

        // Past the body, the deadline no longer cuts the request short: a chunk stopped between its final block and its
        // decision could neither void nor confirm itself, and would hold its range until its confirm-by time.
        var done = await ConfirmAsync(session, range, target, staged.Digest, cancellationToken);
        if (done is not ({ Succeeded: true } or CommitInProgress or SessionEnded { Record.State: SessionState.Committed or SessionState.Committing }))
        {
            // Refused after its final block (a competing copy, too slow, the session expired under a stalled request, or
            // abandoned): its copy never counts. A refusal because a commit began may be in that commit: no marker helps.
            await streamer.VoidAsync(range, target, cancellationToken);
        }

        LogChunk(logger, record.SessionId, record.Path, range.First, range.Last, range.Total, done.GetType().Name);
        return done;
    }

    /// <summary>
    /// After the final block: another attempt may have staged other bytes for an overlapping range meanwhile, and whoever
    /// sees the other stands back (so two attempts with different bytes never both confirm: each read the block list after
    /// staging its own final block). A dead copy (unconfirmed past its confirm-by plus the clock skew) is abandoned in the
    /// record first (If-Match), so that its confirmation, should it still land, never counts. Then the confirm block, then
    /// the acknowledgement; a confirmation that returned at or after the confirm-by time is written as late-confirmed by
    /// the acknowledgement, unless it was abandoned meanwhile (then the chunk is refused as too slow).
    /// </summary>
    private async Task<Outcome> ConfirmAsync(Versioned<UploadSessionRecord> session, ContentRange range, ChunkTarget target, ChunkDigest digest, CancellationToken cancellationToken)
    {
        var record = session.Value;
        var readAt = clock.GetUtcNow();
        var after = await ViewAsync(record, readAt, cancellationToken);
        if (after.Contests(range.Range, target.Nonce, digest))
        {
            return new RaceConflict(record.SessionId, range.Range);
        }

        var tooSlow = new ChunkTooSlow(record.SessionId, range.Range, target.ConfirmBy);
        if (clock.GetUtcNow() >= target.ConfirmBy)
        {
            return tooSlow;
        }

        var dead = after.DeadConflicting(range.Range, digest);
        if (dead.Count > 0 && await AbandonAsync(session, dead.Select(AttemptRef.Of).ToList(), range.Range, cancellationToken) is { } notAbandoned)
        {
            return notAbandoned;
        }

        if (clock.GetUtcNow() >= target.ConfirmBy)
        {
            return tooSlow;
        }

        await streamer.ConfirmAsync(range, target, digest, cancellationToken);
        var mine = new AttemptRef(range.First, range.Last, target.Nonce);
        var late = clock.GetUtcNow() >= target.ConfirmBy;
        return await FinishAsync(session, new ChunkAccepted(range.Length), ByteRange.Merge(after.Received.Append(range.Range)).Sum(r => r.Length), new Standing([mine], late ? [mine] : [], tooSlow), cancellationToken);
    }

    /// <summary>
    /// Writes <paramref name="dead"/> into the record's <see cref="UploadSessionRecord.Abandoned"/> (If-Match), unless one
    /// of them is late-confirmed there (then it counts, and this attempt stands back: <see cref="RaceConflict"/>). Null: done.
    /// </summary>
    private async Task<Outcome?> AbandonAsync(Versioned<UploadSessionRecord> session, IReadOnlyList<AttemptRef> dead, ByteRange range, CancellationToken cancellationToken)
    {
        var outcome = await retry.RunAsync<Outcome>(async _ =>
        {
            var current = await records.GetAsync(session.Value.SessionId, cancellationToken);
            if (current is not { } c || c.Value.Key != session.Value.Key)
            {
                return new SessionNotFound(session.Value.SessionId);
            }

            if (c.Value.State != SessionState.Open)
            {
                return c.Value.State == SessionState.Committing ? new CommitInProgress(c.Value.SessionId) : new SessionEnded(c.Value, machine.EndedAt(c.Value));
            }

            if (machine.IsExpired(c.Value, clock.GetUtcNow()))
            {
                return await TryEndExpiredAsync(c, cancellationToken);
            }

            if (dead.Any(c.Value.IsLateConfirmed))
            {
                return new RaceConflict(c.Value.SessionId, range);
            }

            var missing = dead.Where(d => !c.Value.IsAbandoned(d)).ToList();
            if (missing.Count == 0)
            {
                return Proceed.Instance;
            }

            var abandoned = c.Value with { Abandoned = [.. c.Value.Abandoned ?? [], .. missing] };
            return await records.TryReplaceAsync(abandoned, c.Version, cancellationToken) is null ? null : Proceed.Instance;
        }, () => new Busy(session.Value.SessionId, session.Value.Path), cancellationToken);
        return outcome is Proceed ? null : outcome;
    }

    /// <summary>What an acknowledgement stands on besides an open session: attempts that must not be abandoned (else the
    /// answer is <paramref name="IfAbandoned"/>), and those among them to write as late-confirmed first.</summary>
    private sealed record Standing(IReadOnlyList<AttemptRef> On, IReadOnlyList<AttemptRef> Settle, Outcome IfAbandoned);

    /// <summary>"Go on": an internal result of a step that refuses nothing.</summary>
    private sealed record Proceed : Outcome
    {
        public static Proceed Instance { get; } = new();
    }

    public async Task<SessionStatus?> GetByIdAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var session = await records.GetAsync(sessionId, cancellationToken);
        return session is { } s && machine.IsLive(s.Value, clock.GetUtcNow()) ? await StatusAsync(s.Value, cancellationToken) : null;
    }

    public async Task<SessionStatus?> GetByPathAsync(StorePath path, CancellationToken cancellationToken)
    {
        if (await claims.GetAsync(path, cancellationToken) is not { Value: { Kind: ClaimKind.Session } claim })
        {
            return null;
        }

        var session = await records.GetAsync(claim.Holder, cancellationToken);
        return session is { } s && s.Value.Key == claim.SessionKey && s.Value.Path == path.Value && machine.IsLive(s.Value, clock.GetUtcNow())
            ? await StatusAsync(s.Value, cancellationToken)
            : null;
    }

    /// <summary>
    /// The open sessions on <paramref name="folder"/> or below it (the whole store when null), in path order, at most
    /// <paramref name="limit"/>: one prefix listing of the path claims, then each holder's record and block list (a few
    /// at a time). <c>Truncated</c> says more were open than listed.
    /// </summary>
    public async Task<(IReadOnlyList<SessionStatus> Sessions, bool Truncated)> ListAtOrBelowAsync(StorePath? folder, int limit, CancellationToken cancellationToken)
    {
        var holders = new List<PathClaim>();
        var truncated = false;
        await foreach (var claim in claims.ListAsync(folder, cancellationToken))
        {
            if (claim.Value.Kind != ClaimKind.Session || (folder is { } f && !ClaimNames.IsAtOrBelow(claim.Value.Path, f)))
            {
                continue;
            }

            if (holders.Count == limit)
            {
                truncated = true;
                break;
            }

            holders.Add(claim.Value);
        }

        var found = new SessionStatus?[holders.Count];
        await Parallel.ForAsync(0, holders.Count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var claim = holders[i];
            if (await records.GetAsync(claim.Holder, ct) is { } s && s.Value.Key == claim.SessionKey && s.Value.Path == claim.Path
                && machine.IsLive(s.Value, clock.GetUtcNow()))
            {
                found[i] = await StatusAsync(s.Value, ct);
            }
        });
        return ([.. found.OfType<SessionStatus>().OrderBy(s => s.Record.Path, StringComparer.Ordinal)], truncated);
    }

    /// <summary>Commits the session's counted chunks, in file order, as the blob at its path: one Put Block List.
    /// Only its owner may (<see cref="SessionOwners"/>; null <paramref name="caller"/>: not checked).</summary>
    public Task<Outcome> CommitAsync(Guid sessionId, string? caller, CancellationToken cancellationToken) =>
        retry.RunAsync(_ => CommitOnceAsync(sessionId, caller, cancellationToken), () => new Busy(sessionId, null), cancellationToken);

    /// <summary>Ends a session (Deleted tombstone) and frees its path; a committed file is never touched. Only its owner
    /// may, unless <paramref name="caller"/> is null (a caller that may end any session: an admin, or a delete of the path).</summary>
    public async Task<Outcome> DeleteAsync(Guid sessionId, string? caller, CancellationToken cancellationToken)
    {
        var committing = false;
        return await retry.RunAsync(async _ =>
        {
            var outcome = await DeleteOnceAsync(sessionId, caller, cancellationToken);
            committing = outcome is CommitInProgress;
            return committing ? null : outcome;
        }, () => committing ? new CommitInProgress(sessionId) : new Busy(sessionId, null), cancellationToken);
    }

    /// <summary>Ends every open session on <paramref name="path"/> or below it (found by prefix); returns how many.</summary>
    public async Task<int> EndAtOrBelowAsync(StorePath path, CancellationToken cancellationToken)
    {
        var ended = 0;
        await foreach (var claim in claims.ListAsync(path, cancellationToken))
        {
            if (claim.Value.Kind == ClaimKind.Session && ClaimNames.IsAtOrBelow(claim.Value.Path, path)
                && await DeleteAsync(claim.Value.Holder, null, cancellationToken) is SessionDeleted { Existed: true })
            {
                ended++;
            }
        }

        return ended;
    }

    /// <summary>
    /// Takes the claim of <paramref name="path"/> for <paramref name="wanted"/>: creates it (If-None-Match), or takes over
    /// a stale one (If-Match), after tombstoning its expired session. Null: something changed meanwhile, try again.
    /// </summary>
    public async Task<Outcome?> TryTakeClaimAsync(StorePath path, PathClaim wanted, WriteAction action, CancellationToken cancellationToken)
    {
        var claim = await claims.GetAsync(path, cancellationToken);
        if (claim is null)
        {
            return await claims.TryCreateAsync(wanted, cancellationToken) is { } created ? new WriteClaimed(new(wanted, created)) : null;
        }

        var current = claim.Value.Value;
        if (current.Kind == wanted.Kind && current.Holder == wanted.Holder && current.SessionKey == wanted.SessionKey)
        {
            return new WriteClaimed(claim.Value);
        }

        var holder = current.Kind == ClaimKind.Session ? await records.GetAsync(current.Holder, cancellationToken) : null;
        switch (machine.Stand(current, holder?.Value, clock.GetUtcNow()))
        {
            case ClaimStanding.Live:
                return new PathHeld(path, current, holder?.Value, action);
            case ClaimStanding.HolderExpired:
                // Tombstone first: the expired session can then never accept a chunk again, even one already under way.
                await TryExpireAsync(holder!.Value, cancellationToken);
                return null;
            default:
                return await claims.TryReplaceAsync(wanted, claim.Value.Version, cancellationToken) is { } taken ? new WriteClaimed(new(wanted, taken)) : null;
        }
    }

    /// <summary>Open → Expired (If-Match); false when the record changed meanwhile.</summary>
    public async Task<bool> TryExpireAsync(Versioned<UploadSessionRecord> session, CancellationToken cancellationToken)
    {
        var record = session.Value;
        var tombstone = record with { State = SessionState.Expired, Ended = machine.ExpiresAt(record) };
        if (await records.TryReplaceAsync(tombstone, session.Version, cancellationToken) is null)
        {
            return false;
        }

        LogExpired(logger, record.SessionId, record.Path, machine.ExpiresAt(record));
        return true;
    }

    /// <summary>Deletes the session's claim if it still names this session (If-Match); a later holder's claim stays.</summary>
    public async Task ReleaseClaimAsync(UploadSessionRecord record, CancellationToken cancellationToken)
    {
        var path = StorePath.Parse(record.Path);
        if (await claims.GetAsync(path, cancellationToken) is { } claim
            && claim.Value is { Kind: ClaimKind.Session } c && c.Holder == record.SessionId && c.SessionKey == record.Key)
        {
            await claims.TryDeleteAsync(path, claim.Version, cancellationToken);
        }
    }

    /// <param name="Deadline">Until when the chunk may be received: the open made sure the session lives until then plus the clock skew.</param>
    private sealed record Opened(Versioned<UploadSessionRecord>? Session, Outcome? Refusal, DateTimeOffset Deadline = default);

    /// <summary>The version of the record this request created and last wrote, if it created the session (for the roll-back).</summary>
    private sealed class Created
    {
        public Versioned<UploadSessionRecord>? Version { get; set; }
    }

    /// <summary>
    /// Reads or creates the session and takes its path claim if it has none yet. It writes the record only when it must:
    /// to open a pending session, or when the session's expiry is nearer than this chunk's deadline plus the clock skew
    /// (<see cref="SessionMachine.NeedsExtension"/>); the chunks of a busy session otherwise only read it.
    /// </summary>
    private async Task<Opened?> OpenAsync(ChunkRequest request, Created created, CancellationToken cancellationToken)
    {
        var existing = await records.GetAsync(request.SessionId, cancellationToken);
        var now = clock.GetUtcNow();
        if (existing is null)
        {
            var fresh = new UploadSessionRecord(request.SessionId, request.Path.Value, request.Range.Total, NewKey(), now, now,
                SessionState.Pending, request.Caller, machine.Rules.BlockSizeFor(request.Range.Total));
            if (await records.TryCreateAsync(fresh, cancellationToken) is not { } version)
            {
                return null; // A concurrent first chunk of the same session created it: read theirs.
            }

            existing = new(fresh, version);
            created.Version = existing;
            LogStarted(logger, fresh.SessionId, fresh.Path, fresh.FileSize);
        }

        var session = existing.Value;
        var record = session.Value;
        if (SessionOwners.Check(record, request.Caller) is { } notOwner)
        {
            return new Opened(null, notOwner); // another principal's session: refused before anything is written
        }

        if (!SessionMachine.IsTombstone(record.State) && record.State != SessionState.Committing && machine.IsExpired(record, now))
        {
            // Tombstoned before it is answered: a late write of another request then fails instead of reviving it.
            return await TryEndExpiredAsync(session, cancellationToken) is { } expired ? new Opened(null, expired) : null;
        }

        if (SessionMachine.IsTombstone(record.State))
        {
            // Never a silent new session with an ended id: the client must learn what happened to its chunks.
            return new Opened(null, new SessionEnded(record, machine.EndedAt(record)));
        }

        if (record.State == SessionState.Committing)
        {
            return new Opened(null, new CommitInProgress(record.SessionId));
        }

        if (record.Path != request.Path.Value)
        {
            return new Opened(null, new WrongPath(record.SessionId, record.Path, request.Path));
        }

        if (record.FileSize != request.Range.Total)
        {
            return new Opened(null, new WrongFileSize(record.SessionId, record.FileSize, request.Range.Total));
        }

        if (record.State == SessionState.Pending)
        {
            var wanted = new PathClaim(record.Path, ClaimKind.Session, record.SessionId, record.Key, now);
            switch (await TryTakeClaimAsync(request.Path, wanted, WriteAction.StartSession, cancellationToken))
            {
                case null:
                    return null;
                case PathHeld held:
                    // This session never got its path: remove its record, so nothing is left of the refused request.
                    if (await records.TryDeleteAsync(record.SessionId, session.Version, cancellationToken))
                    {
                        created.Version = null;
                    }

                    return new Opened(null, held);
            }
        }

        var receive = machine.Rules.ReceiveTime(request.Timeout);
        if (record.State == SessionState.Open && !machine.NeedsExtension(record, now, receive))
        {
            // The common case: the session lives past this chunk's deadline on every instance; nothing to write.
            return new Opened(session, null, now + receive);
        }

        var opened = machine.Extended(record, now, receive) with { State = SessionState.Open };
        if (await records.TryReplaceAsync(opened, session.Version, cancellationToken) is not { } openedVersion)
        {
            return null;
        }

        if (created.Version is not null)
        {
            created.Version = new(opened, openedVersion);
        }

        // The deadline counts from after the write (it may have taken long): the horizon just written must cover it.
        var start = clock.GetUtcNow();
        return machine.NeedsExtension(opened, start, receive) ? null : new Opened(new(opened, openedVersion), null, start + receive);
    }

    /// <summary>
    /// A refused first chunk leaves no session behind: unless another chunk wrote the record since this request did, the
    /// record is fenced (If-Match the version this request wrote), the block list read, and — when no other chunk of the
    /// session is complete in it — the record removed (If-Match the fenced version) and its claim released. The fence makes
    /// a chunk that is being acknowledged meanwhile write the record, which this delete then loses to.
    /// </summary>
    private async Task RollBackAsync(Versioned<UploadSessionRecord> session)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var fenced = session.Value with { Fenced = true };
            if (await records.TryReplaceAsync(fenced, session.Version, timeout.Token) is not { } version)
            {
                return; // Another chunk touched the session: it stays.
            }

            if ((await ViewAsync(fenced, timeout.Token)).Complete.Count > 0)
            {
                await records.TryReplaceAsync(fenced with { Fenced = false }, version, timeout.Token);
                return; // Another chunk of the session is in: it stays.
            }

            if (await records.TryDeleteAsync(session.Value.SessionId, version, timeout.Token))
            {
                await ReleaseClaimAsync(session.Value, timeout.Token);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The session stays, empty; it expires like any abandoned one.
            LogRollbackFailed(logger, session.Value.SessionId, e);
        }
    }

    /// <summary>
    /// The acknowledgement: the record is read again and must still be Open with this key (a commit's switch to
    /// Committing, a delete or an expiry before this read refuses the chunk). It is written (If-Match) only when the
    /// session would otherwise expire less than <see cref="SessionRules.Expiry"/> (plus the clock skew) from now, or
    /// while a commit or roll-back has fenced it; a lost write reads again and decides again.
    /// </summary>
    private Task<Outcome> FinishAsync(Versioned<UploadSessionRecord> session, Outcome success, long received, Standing? standing, CancellationToken cancellationToken) =>
        retry.RunAsync<Outcome>(async _ =>
        {
            var current = await records.GetAsync(session.Value.SessionId, cancellationToken);
            if (current is not { } c || c.Value.Key != session.Value.Key)
            {
                return new SessionNotFound(session.Value.SessionId);
            }

            switch (c.Value.State)
            {
                case SessionState.Open:
                    break;
                case SessionState.Committing:
                    return new CommitInProgress(c.Value.SessionId);
                default:
                    return new SessionEnded(c.Value, machine.EndedAt(c.Value));
            }

            // The open made sure no instance expires the session before this chunk's deadline; a chunk that stalled past
            // it may find the session expired (other requests may have been told so already): it is refused, never revives it.
            var now = clock.GetUtcNow();
            if (machine.IsExpired(c.Value, now))
            {
                return await TryEndExpiredAsync(c, cancellationToken);
            }

            if (standing is not null && standing.On.Any(c.Value.IsAbandoned))
            {
                return standing.IfAbandoned;
            }

            var settle = standing?.Settle.Where(a => !c.Value.IsLateConfirmed(a)).ToList() ?? [];
            if (!c.Value.Fenced && settle.Count == 0 && !machine.NeedsExtension(c.Value, now, machine.Rules.Expiry))
            {
                // Acknowledged by this read. Info's staging bytes are the records' ReceivedBytes: when the bytes received
                // have at least doubled since the record said, one write brings it up (If-Match; a few per session). It
                // changes nothing else (not the horizon), so a lost one is not retried: the read already decided. But a
                // write that took so long that the session's expiry is near again decides again, as any write here does.
                if (received > 0 && received >= 2 * c.Value.ReceivedBytes)
                {
                    await records.TryReplaceAsync(c.Value with { ReceivedBytes = received }, c.Version, cancellationToken);
                    if (machine.NeedsExtension(c.Value, clock.GetUtcNow(), machine.Rules.Expiry))
                    {
                        return null;
                    }
                }

                return success;
            }

            var touched = machine.Extended(c.Value, now, machine.Rules.Expiry) with
            {
                ReceivedBytes = Math.Max(received, c.Value.ReceivedBytes),
                LateConfirmed = settle.Count == 0 ? c.Value.LateConfirmed : [.. c.Value.LateConfirmed ?? [], .. settle],
            };
            if (await records.TryReplaceAsync(touched, c.Version, cancellationToken) is null)
            {
                return null;
            }

            // A write that took so long that the horizon it set no longer covers the expiry from now: decide again.
            return machine.NeedsExtension(touched, clock.GetUtcNow(), machine.Rules.Expiry) ? null : success;
        }, () => new Busy(session.Value.SessionId, session.Value.Path), cancellationToken);

    /// <summary>
    /// An open session found past its expiry is tombstoned (Expired, If-Match the version read) before any request is
    /// answered "expired": the expiry is a matter of time, not of versions, so a write decided before it (an open's or an
    /// acknowledgement's, by a clock up to <see cref="SessionRules.ClockSkew"/> behind) may still land after it and
    /// revive the session. Only one of the two conditional writes wins: the tombstone (the late write then fails, reads
    /// the tombstone and is refused) or the late write (this request then reads the live session again). Null: lost.
    /// </summary>
    private async Task<SessionEnded?> TryEndExpiredAsync(Versioned<UploadSessionRecord> session, CancellationToken cancellationToken) =>
        await TryExpireAsync(session, cancellationToken)
            ? new SessionEnded(session.Value with { State = SessionState.Expired, Ended = machine.ExpiresAt(session.Value) }, machine.ExpiresAt(session.Value))
            : null;

    private async Task<Outcome?> CommitOnceAsync(Guid sessionId, string? caller, CancellationToken cancellationToken)
    {
        if (await records.GetAsync(sessionId, cancellationToken) is not { } session)
        {
            return new SessionNotFound(sessionId);
        }

        var record = session.Value;
        if (SessionOwners.Check(record, caller) is { } notOwner)
        {
            return notOwner;
        }

        var now = clock.GetUtcNow();
        switch (record.State)
        {
            case SessionState.Committed:
                return new SessionCommitted(Already: true); // Committing again is a success (note S6).
            case SessionState.Deleted or SessionState.Expired:
                return new SessionEnded(record, machine.EndedAt(record));
            case SessionState.Pending or SessionState.Open when machine.IsExpired(record, now):
                return await TryEndExpiredAsync(session, cancellationToken);
        }

        var path = StorePath.Parse(record.Path);
        if (record.State != SessionState.Committing && !record.Fenced)
        {
            // The fence first (If-Match): from here on chunks are acknowledged by a write, which the switch below orders
            // against; a chunk acknowledged by a read before the fence staged its blocks before the block list is read.
            record = record with { Fenced = true };
            if (await records.TryReplaceAsync(record, session.Version, cancellationToken) is not { } fencedVersion)
            {
                return null;
            }

            session = new(record, fencedVersion);
        }

        var view = await ViewAsync(record, cancellationToken);
        var order = view.CommitOrder();
        if (order is null)
        {
            if (record.State != SessionState.Committing)
            {
                // Not complete: lift the fence again (If-Match; if a chunk wrote meanwhile, the next commit lifts it).
                await records.TryReplaceAsync(record with { Fenced = false }, session.Version, cancellationToken);
            }

            return new Incomplete(sessionId, record.FileSize, view.Missing);
        }

        if (record.State != SessionState.Committing)
        {
            // Open → Committing (If-Match the fenced version the block list was read under): from here on no chunk is
            // acknowledged, and every chunk acknowledged before is in the order read above (docs/protocol.md).
            var committing = record with { State = SessionState.Committing, Modified = now };
            if (await records.TryReplaceAsync(committing, session.Version, cancellationToken) is not { } version)
            {
                return null;
            }

            session = new(committing, version);
        }

        if (!await staging.TryCommitAsync(path, order, cancellationToken))
        {
            return new Busy(sessionId, record.Path);
        }

        var committed = session.Value with { State = SessionState.Committed, Modified = clock.GetUtcNow(), Ended = clock.GetUtcNow() };
        if (await records.TryReplaceAsync(committed, session.Version, cancellationToken) is null)
        {
            return null; // Another commit of the same session finished it: read what it wrote.
        }

        await ReleaseClaimAsync(committed, cancellationToken);
        LogCommitted(logger, sessionId, record.Path, record.FileSize, order.Count);
        return new SessionCommitted(Already: false);
    }

    private async Task<Outcome?> DeleteOnceAsync(Guid sessionId, string? caller, CancellationToken cancellationToken)
    {
        if (await records.GetAsync(sessionId, cancellationToken) is not { } session)
        {
            return new SessionDeleted(Existed: false); // Deleting is idempotent.
        }

        var record = session.Value;
        if (SessionOwners.Check(record, caller) is { } notOwner)
        {
            return notOwner;
        }

        var now = clock.GetUtcNow();
        if (SessionMachine.IsTombstone(record.State))
        {
            return new SessionDeleted(Existed: false); // Already ended: its tombstone stays, a committed file is never touched.
        }

        if (record.State == SessionState.Committing && !machine.CommitLapsed(record, now))
        {
            return new CommitInProgress(sessionId); // Wait for the commit to finish (the caller retries).
        }

        var tombstone = record with { State = SessionState.Deleted, Modified = now, Ended = now };
        if (await records.TryReplaceAsync(tombstone, session.Version, cancellationToken) is null)
        {
            return null;
        }

        // The staged blocks stay on the blob, uncommitted: invisible to every reader, never counted again (the key in
        // their IDs belongs to an ended session), dropped by Azure at the path's next commit or after a week.
        await ReleaseClaimAsync(record, cancellationToken);
        LogDeleted(logger, sessionId, record.Path, record.State);
        return new SessionDeleted(Existed: true);
    }

    /// <summary>The session's chunks from its block list. <paramref name="readAt"/>: the clock read before the list, by which
    /// unconfirmed copies are pending or dead (null: all pending). The record's abandoned attempts count as voided.</summary>
    private async Task<ChunkView> ViewAsync(UploadSessionRecord record, DateTimeOffset? readAt, CancellationToken cancellationToken) =>
        ChunkView.From(await staging.GetBlocksAsync(StorePath.Parse(record.Path), cancellationToken), record.Key, record.FileSize, readAt, machine.Rules.ClockSkew, record.Abandoned);

    private Task<ChunkView> ViewAsync(UploadSessionRecord record, CancellationToken cancellationToken) => ViewAsync(record, null, cancellationToken);

    private async Task<SessionStatus> StatusAsync(UploadSessionRecord record, CancellationToken cancellationToken) =>
        new(record, (await ViewAsync(record, cancellationToken)).Missing);

    private static ulong NewKey() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    /// <summary>No attempt's nonce (a re-send stages nothing).</summary>
    private const long NoNonce = -1;

    private static long NewNonce() => BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) & BlockId.MaxNonce;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload session {SessionId} started for {StorePath} ({FileSize} bytes)")]
    private static partial void LogStarted(ILogger logger, Guid sessionId, string storePath, long fileSize);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Upload session {SessionId} chunk {First}-{Last}/{Total} of {StorePath}: {Outcome}")]
    private static partial void LogChunk(ILogger logger, Guid sessionId, string storePath, long first, long last, long total, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload session {SessionId} committed {StorePath} ({FileSize} bytes, {BlockCount} blocks)")]
    private static partial void LogCommitted(ILogger logger, Guid sessionId, string storePath, long fileSize, int blockCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload session {SessionId} for {StorePath} deleted (was {State})")]
    private static partial void LogDeleted(ILogger logger, Guid sessionId, string storePath, SessionState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload session {SessionId}: the refused first chunk's session could not be rolled back")]
    private static partial void LogRollbackFailed(ILogger logger, Guid sessionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload session {SessionId} for {StorePath} expired at {ExpiredAt:O}: now a tombstone")]
    private static partial void LogExpired(ILogger logger, Guid sessionId, string storePath, DateTimeOffset expiredAt);
}
