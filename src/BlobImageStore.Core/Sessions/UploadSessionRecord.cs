namespace BlobImageStore.Sessions;

/// <summary>
/// The small record kept for each upload session (one JSON blob in the session container). The bytes live only as
/// blocks on the target blob; this holds what blocks cannot: the path, the file size, the block size, the times, the
/// state (<see cref="SessionMachine"/>) and the random <see cref="Key"/> that ties the blocks to this session.
/// After the session ends the record stays as a tombstone (<see cref="SessionState.Committed"/>,
/// <see cref="SessionState.Deleted"/>, <see cref="SessionState.Expired"/>) for <c>ImageStore:TombstoneRetention</c>, so
/// a late chunk or commit learns which; the cleanup removes it afterwards.
/// </summary>
/// <param name="Owner">The stable identity of the principal that started the session (<see cref="SessionOwners"/>); null in records written before sessions were bound.</param>
/// <param name="BlockSize">The staging block size chosen when the session started (0 in records of protocol version 1).</param>
/// <param name="ReceivingUntil">The session's horizon: it does not expire before this (<see cref="SessionMachine.ExpiresAt"/>).
/// Chunks do not write the record each: a chunk moves the horizon (<see cref="SessionMachine.Extended"/>) only when it
/// would otherwise not cover the chunk's deadline or <see cref="SessionRules.Expiry"/> after its acknowledgement
/// (docs/protocol.md, "Expiry"). Records of earlier versions also carry a <c>Receiving</c> list of per-chunk leases; it is
/// ignored when read (this field was always the latest of them) and not written any more.</param>
/// <param name="Ended">When the session ended (tombstones only).</param>
/// <param name="ReceivedBytes">Bytes received, for <c>$/Info</c> (ExpectedRanges always come from the blocks): written by an
/// acknowledgement when the bytes received have at least doubled since this said, so it is at least half the bytes
/// received as of the latest acknowledged chunk (docs/protocol.md, "Acknowledgement").</param>
/// <param name="Fenced">Set by a commit or a refused first chunk's roll-back before it reads the block list to decide; while
/// set, a chunk is acknowledged only by a conditional write of the record (not by a read), so it is ordered against that
/// decision. Cleared again by a commit that found the session incomplete.</param>
/// <param name="Abandoned">Attempts whose complete copy was found unconfirmed after its confirm-by time (plus the clock skew)
/// by an attempt with other bytes, which wrote them here before confirming its own: they never count, even if their
/// confirmation lands later (docs/protocol.md, "Late confirmations"). Rare; usually null.</param>
/// <param name="LateConfirmed">Attempts whose confirmation landed at or after their confirm-by time and that were then
/// written here (by themselves, or by a re-send verified against them) before anyone was told they count: such an attempt
/// can no longer be abandoned. Rare; usually null.</param>
public sealed record UploadSessionRecord(
    Guid SessionId,
    string Path,
    long FileSize,
    ulong Key,
    DateTimeOffset Created,
    DateTimeOffset Modified,
    SessionState State,
    string? Owner = null,
    int BlockSize = 0,
    DateTimeOffset? ReceivingUntil = null,
    DateTimeOffset? Ended = null,
    long ReceivedBytes = 0,
    bool Fenced = false,
    IReadOnlyList<AttemptRef>? Abandoned = null,
    IReadOnlyList<AttemptRef>? LateConfirmed = null)
{
    public bool IsAbandoned(AttemptRef attempt) => Abandoned?.Contains(attempt) == true;

    public bool IsLateConfirmed(AttemptRef attempt) => LateConfirmed?.Contains(attempt) == true;
}

/// <summary>One attempt at a chunk: its range and its nonce (as in its block IDs).</summary>
public sealed record AttemptRef(long First, long Last, long Nonce)
{
    public static AttemptRef Of(ReceivedChunk chunk) => new(chunk.Range.First, chunk.Range.Last, chunk.Nonce);
}

/// <summary>The session state machine's states (see docs/protocol.md).</summary>
public enum SessionState
{
    /// <summary>The record exists, its path claim is being taken.</summary>
    Pending,
    Open,

    /// <summary>The commit's Put Block List is under way: no chunk is accepted any more, a delete waits.</summary>
    Committing,
    Committed,
    Deleted,
    Expired,
}

/// <summary>A stored value and the version (ETag) it was read at, for conditional writes.</summary>
public readonly record struct Versioned<T>(T Value, string Version);

/// <summary>Who holds a path.</summary>
public enum ClaimKind
{
    /// <summary>An upload session, from its first chunk until it is committed, deleted or expires.</summary>
    Session,

    /// <summary>A whole-file write (UploadFile, a Copy onto the path, a Delete of the path) for the length of its lease.</summary>
    Write,
}

/// <summary>
/// A path claim: the one write authority of a store path (the claim state machine, see docs/protocol.md). Stored at a
/// name derived from the path (<see cref="ClaimNames"/>) so that the claims under a folder are found by prefix.
/// </summary>
/// <param name="Holder">The session id, or the id of the whole-file write.</param>
/// <param name="SessionKey">For a session claim, the session's key (a reused id never inherits a claim).</param>
/// <param name="Until">For a write claim, the end of its lease.</param>
public sealed record PathClaim(string Path, ClaimKind Kind, Guid Holder, ulong SessionKey, DateTimeOffset Claimed, DateTimeOffset? Until = null);
