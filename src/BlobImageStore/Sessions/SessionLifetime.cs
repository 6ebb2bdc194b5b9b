using System.Globalization;
using BlobImageStore.Errors;
using BlobImageStore.Storage;

namespace BlobImageStore.Sessions;

/// <summary>What the cleanup does with one session record.</summary>
public enum CleanupAction
{
    /// <summary>Nothing yet: an open session within its expiry, or a tombstone within its retention.</summary>
    None,

    /// <summary>An open session past its expiry: replace the record by an <see cref="SessionState.Expired"/> tombstone,
    /// discard its staged blocks and release its path.</summary>
    Expire,

    /// <summary>A tombstone past its retention: delete it.</summary>
    RemoveTombstone,
}

/// <summary>How a path claim stands.</summary>
public enum ClaimStanding
{
    /// <summary>Held by an open, unexpired session of that path (or just written, its session record still coming).</summary>
    Live,

    /// <summary>Someone is discarding the path's staged blocks under this claim right now: wait, do not take it.</summary>
    Releasing,

    /// <summary>Its session expired, ended, or never got a record: a new session may take the path over.</summary>
    Stale,
}

/// <summary>
/// The expiry rules, as pure decisions on records and times (no storage), shared by the request path and the cleanup:
/// <list type="bullet">
/// <item>An open session expires <c>SessionExpiry</c> after its last accepted chunk (<c>Modified</c>), and is expired
/// from that moment on, whether or not the cleanup has run: no answer, chunk or commit may revive it.</item>
/// <item>A tombstone (<see cref="SessionState.Committed"/> or <see cref="SessionState.Expired"/>) is deleted
/// <c>TombstoneRetention</c> after the session ended: its commit, or the moment it expired.</item>
/// <item>A path claim is stale once its session is no longer open and unexpired on that path; a new session may take it
/// over at once. The cleanup, whose discard is destructive, also leaves alone a claim written less than
/// <see cref="ClaimGrace"/> ago, since its session record may still be on its way.</item>
/// </list>
/// </summary>
public sealed class SessionLifetime(TimeSpan expiry, TimeSpan retention)
{
    /// <summary>How long a "releasing" mark on a claim holds off new sessions (the discard under it takes a second or two;
    /// after this the marker's writer is presumed dead).</summary>
    public static readonly TimeSpan ReleaseGrace = TimeSpan.FromMinutes(2);

    /// <summary>The longest a discard under a "releasing" mark may take; well inside <see cref="ReleaseGrace"/>.</summary>
    public static readonly TimeSpan DiscardTimeout = TimeSpan.FromSeconds(30);

    public SessionLifetime(ImageStoreOptions options)
        : this(options.SessionExpiry, options.TombstoneRetention)
    {
    }

    public TimeSpan Expiry { get; } = expiry;

    public TimeSpan Retention { get; } = retention;

    /// <summary>How long a claim whose session is not (yet) an open record is left alone by the cleanup: the time
    /// between writing a claim and writing its session record, with a wide margin; never more than the expiry.</summary>
    public TimeSpan ClaimGrace => Expiry < TimeSpan.FromMinutes(1) ? Expiry : TimeSpan.FromMinutes(1);

    /// <summary>When an open session expires (or expired): its last accepted chunk plus the expiry.</summary>
    public DateTimeOffset ExpiresAt(UploadSessionRecord record) => record.Modified + Expiry;

    /// <summary>True for a session that can no longer take chunks or be committed: an expired tombstone, or an open
    /// session past its expiry.</summary>
    public bool IsExpired(UploadSessionRecord record, DateTimeOffset now) => record.State switch
    {
        SessionState.Expired => true,
        SessionState.Open => now >= ExpiresAt(record),
        _ => false,
    };

    /// <summary>True for a session that is open and within its expiry: the only kind that is answered, resumed or committed.</summary>
    public bool IsLive(UploadSessionRecord record, DateTimeOffset now) =>
        record.State == SessionState.Open && now < ExpiresAt(record);

    /// <summary>When the cleanup has something to do with a record in this state, last changed at <paramref name="modified"/>.</summary>
    public DateTimeOffset DueAt(SessionState state, DateTimeOffset modified) => state switch
    {
        SessionState.Open => modified + Expiry,
        SessionState.Committed => modified + Retention,
        SessionState.Expired => modified + Expiry + Retention,
        _ => modified,
    };

    /// <summary>What the cleanup does with this record now.</summary>
    public CleanupAction Decide(UploadSessionRecord record, DateTimeOffset now)
    {
        if (now < DueAt(record.State, record.Modified))
        {
            return CleanupAction.None;
        }

        return record.State == SessionState.Open ? CleanupAction.Expire : CleanupAction.RemoveTombstone;
    }

    /// <summary>How a claim stands for a new session that wants its path, given the session record it names (null: none).</summary>
    public ClaimStanding Classify(PathClaim claim, UploadSessionRecord? holder, DateTimeOffset now)
    {
        if (claim.Releasing is { } releasing && now < releasing + ReleaseGrace)
        {
            return ClaimStanding.Releasing;
        }

        if (holder is null)
        {
            // The claim is written first, then the record: give a fresh claim the time to get its record.
            return claim.Claimed is { } claimed && now < claimed + ClaimGrace ? ClaimStanding.Live : ClaimStanding.Stale;
        }

        return IsLive(holder, now) && holder.Path == claim.Path ? ClaimStanding.Live : ClaimStanding.Stale;
    }

    /// <summary>
    /// True when the cleanup may discard the path's staged blocks and release this claim: it is stale and was not written
    /// within <see cref="ClaimGrace"/> (a session id reused after a commit rewrites its claim before its new record).
    /// </summary>
    public bool CleanupMayRelease(PathClaim claim, UploadSessionRecord? holder, DateTimeOffset now) =>
        Classify(claim, holder, now) == ClaimStanding.Stale
        && (claim.Claimed is not { } claimed || now >= claimed + ClaimGrace);

    /// <summary>The 404 for a chunk or commit naming an expired session: when it expired, why, and what to do instead.</summary>
    public FabricException ExpiredError(UploadSessionRecord record) =>
        FabricException.NotFound(
            $"Upload session {record.SessionId} for '{record.Path}' expired at {Iso(ExpiresAt(record))} ({Describe(Expiry)} after its last chunk, at {Iso(record.Modified)}), " +
            "and its chunks were discarded. It cannot be resumed or committed: start a new session with a new session-id and upload the file again.");

    /// <summary>"30 minutes", "2 seconds", "1.5 hours": the expiry as a person says it.</summary>
    public static string Describe(TimeSpan span)
    {
        static string Unit(double value, string unit) =>
            $"{value.ToString("0.##", CultureInfo.InvariantCulture)} {unit}{(value == 1 ? "" : "s")}";

        return span.TotalMinutes < 1 ? Unit(span.TotalSeconds, "second")
            : span.TotalHours < 2 ? Unit(span.TotalMinutes, "minute")
            : span.TotalDays < 2 ? Unit(span.TotalHours, "hour")
            : Unit(span.TotalDays, "day");
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
