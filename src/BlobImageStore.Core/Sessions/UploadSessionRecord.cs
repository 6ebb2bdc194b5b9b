namespace BlobImageStore.Sessions;

/// <summary>
/// The small record kept for each upload session (one JSON blob in the session container). The bytes live only as
/// blocks on the target blob; this holds what blocks cannot: the path, the file size, the block size, the times, the
/// state (<see cref="SessionMachine"/>) and the random <see cref="Key"/> that ties the blocks to this session.
/// After the session ends the record stays as a tombstone (<see cref="SessionState.Committed"/>,
/// <see cref="SessionState.Deleted"/>, <see cref="SessionState.Expired"/>) for <c>ImageStore:TombstoneRetention</c>, so
/// a late chunk or commit learns which; the cleanup removes it afterwards.
/// </summary>
/// <param name="Owner">The principal that started the session; null for an anonymous caller (authentication binds it later).</param>
/// <param name="BlockSize">The staging block size chosen when the session started (0 in records of protocol version 1).</param>
/// <param name="ReceivingUntil">The latest end of the <see cref="Receiving"/> leases: the session does not expire before.</param>
/// <param name="Ended">When the session ended (tombstones only).</param>
/// <param name="ReceivedBytes">Bytes received as of the last accepted chunk (for <c>$/Info</c>; ExpectedRanges always come from the blocks).</param>
/// <param name="Receiving">The receiving leases of the chunks being received: each chunk adds its own as it arrives and
/// removes it when it is answered (leases past their end are dropped by any write), so one chunk's end never cuts
/// another's lease short.</param>
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
    IReadOnlyList<ReceivingLease>? Receiving = null)
{
    /// <summary>The record with <paramref name="lease"/> added to the live leases.</summary>
    public UploadSessionRecord WithLease(ReceivingLease lease, DateTimeOffset now) => WithLeases([.. Live(now), lease]);

    /// <summary>The record without <paramref name="lease"/> (its chunk was answered); the other live leases stay.</summary>
    public UploadSessionRecord WithoutLease(ReceivingLease lease, DateTimeOffset now) => WithLeases([.. Live(now).Where(l => l.Id != lease.Id)]);

    // A record written before leases were listed has only ReceivingUntil: it stays a lease of its own.
    private IEnumerable<ReceivingLease> Live(DateTimeOffset now) =>
        (Receiving ?? (ReceivingUntil is { } until ? [new ReceivingLease(0, until)] : [])).Where(l => l.Until > now);

    private UploadSessionRecord WithLeases(List<ReceivingLease> leases) => this with
    {
        Receiving = leases.Count == 0 ? null : leases,
        ReceivingUntil = leases.Count == 0 ? null : leases.Max(l => l.Until),
    };
}

/// <summary>A chunk's receiving lease: the session does not expire before <paramref name="Until"/> (the request's deadline).</summary>
/// <param name="Id">Random per request, so that the chunk removes its own lease and no other.</param>
public sealed record ReceivingLease(long Id, DateTimeOffset Until);

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
