namespace BlobImageStore.Sessions;

/// <summary>How a path claim stands for someone who wants the path.</summary>
public enum ClaimStanding
{
    /// <summary>Its holder is live: the path is held.</summary>
    Live,

    /// <summary>Its session is open on paper but past its expiry: tombstone the session (conditionally), then take the claim.</summary>
    HolderExpired,

    /// <summary>Its holder ended, vanished, or its lease ran out: take it over (conditionally on its version).</summary>
    Stale,
}

/// <summary>What the cleanup does with one session record.</summary>
public enum CleanupAction
{
    None,

    /// <summary>Open or pending past its expiry: tombstone it (Expired), release its claim.</summary>
    Expire,

    /// <summary>Committing past its lease: its committer died; finish the commit.</summary>
    FinishCommit,

    /// <summary>A tombstone past its retention: delete it.</summary>
    RemoveTombstone,
}

/// <summary>
/// The two state machines as pure decisions over records and times (no storage): see docs/protocol.md for the
/// diagrams and the conditional write that guards each transition.
/// <para>Session: Pending → Open → Committing → Committed; Pending/Open → Deleted | Expired; tombstones → gone after
/// the retention. A session is expired once <see cref="ExpiresAt"/> passed, whether or not the cleanup has run; it can
/// only be revived by a chunk that arrived before (its receiving lease), never by one that arrives after.</para>
/// <para>Claim: free → held(session | write) → free. A claim is taken over only when <see cref="Stand"/> says stale,
/// and a claim of an expired session only after that session was tombstoned: so a session that lost its claim can
/// never accept a chunk again.</para>
/// </summary>
public sealed class SessionMachine(SessionRules rules)
{
    public SessionRules Rules => rules;

    public static bool IsOpen(SessionState state) => state is SessionState.Pending or SessionState.Open;

    public static bool IsTombstone(SessionState state) => state is SessionState.Committed or SessionState.Deleted or SessionState.Expired;

    public DateTimeOffset ExpiresAt(UploadSessionRecord record)
    {
        var idle = record.Modified + rules.Expiry;
        return record.ReceivingUntil is { } until && until > idle ? until : idle;
    }

    /// <summary>
    /// True when the session's expiry is less than <paramref name="ahead"/> + <see cref="SessionRules.ClockSkew"/> away:
    /// a chunk then writes the record (<see cref="Extended"/>) instead of relying on a read. A chunk opening needs its own
    /// deadline ahead (no instance, whatever its clock within the skew, may expire the session while it is received); a
    /// chunk being acknowledged needs <see cref="SessionRules.Expiry"/> ahead.
    /// </summary>
    public bool NeedsExtension(UploadSessionRecord record, DateTimeOffset now, TimeSpan ahead) =>
        ExpiresAt(record) < now + ahead + rules.ClockSkew;

    /// <summary>
    /// The record with its horizon moved to <paramref name="now"/> + <see cref="SessionRules.HorizonFor"/>(<paramref name="ahead"/>)
    /// (never back), for a chunk that needs <paramref name="ahead"/>: its receive time at the open, the expiry at the acknowledgement.
    /// </summary>
    public UploadSessionRecord Extended(UploadSessionRecord record, DateTimeOffset now, TimeSpan ahead)
    {
        var horizon = now + rules.HorizonFor(ahead);
        return record with { Modified = now, ReceivingUntil = record.ReceivingUntil is { } until && until > horizon ? until : horizon };
    }

    /// <summary>Open or pending, and not expired.</summary>
    public bool IsLive(UploadSessionRecord record, DateTimeOffset now) => IsOpen(record.State) && now < ExpiresAt(record);

    public bool IsExpired(UploadSessionRecord record, DateTimeOffset now) =>
        record.State == SessionState.Expired || (IsOpen(record.State) && now >= ExpiresAt(record));

    /// <summary>When the session ended (for a tombstone) or expired (for an open record past its expiry).</summary>
    public DateTimeOffset EndedAt(UploadSessionRecord record) => record.Ended ?? ExpiresAt(record);

    public bool CommitLapsed(UploadSessionRecord record, DateTimeOffset now) =>
        record.State == SessionState.Committing && now >= record.Modified + rules.CommitLease + rules.ClockSkew;

    public ClaimStanding Stand(PathClaim claim, UploadSessionRecord? holder, DateTimeOffset now)
    {
        if (claim.Kind == ClaimKind.Write)
        {
            return claim.Until is { } until && now < until + rules.ClockSkew ? ClaimStanding.Live : ClaimStanding.Stale;
        }

        if (holder is null || holder.Key != claim.SessionKey || holder.Path != claim.Path)
        {
            return ClaimStanding.Stale;
        }

        return holder.State switch
        {
            SessionState.Committing => ClaimStanding.Live,
            SessionState.Pending or SessionState.Open => now < ExpiresAt(holder) ? ClaimStanding.Live : ClaimStanding.HolderExpired,
            _ => ClaimStanding.Stale,
        };
    }

    /// <summary>When the cleanup next has something to do with a record in this state (null: never).</summary>
    public DateTimeOffset? DueAt(SessionState state, DateTimeOffset modified, DateTimeOffset? receivingUntil, DateTimeOffset? ended) => state switch
    {
        SessionState.Pending or SessionState.Open => receivingUntil is { } r && r > modified + rules.Expiry ? r : modified + rules.Expiry,
        SessionState.Committing => modified + rules.CommitLease + rules.ClockSkew,
        _ => (ended ?? modified) + rules.Retention,
    };

    public CleanupAction Decide(UploadSessionRecord record, DateTimeOffset now) => record.State switch
    {
        SessionState.Pending or SessionState.Open when now >= ExpiresAt(record) => CleanupAction.Expire,
        SessionState.Committing when CommitLapsed(record, now) => CleanupAction.FinishCommit,
        SessionState.Committed or SessionState.Deleted or SessionState.Expired when now >= EndedAt(record) + rules.Retention => CleanupAction.RemoveTombstone,
        _ => CleanupAction.None,
    };
}
