using BlobImageStore.Sessions;

namespace BlobImageStore.Storage;

/// <summary>
/// What the session container held when it was last measured (<see cref="SessionStoreUsage"/>), and when: the source of
/// Info's <c>UsedByMetadata</c> and <c>UsedByStaging</c>, so that Info costs one point read whatever the number of open
/// sessions. <see cref="MeasuredAt"/> is when the measurement started (what it counted may be younger, never older).
/// </summary>
public sealed record SessionUsageSummary(SessionStoreUsage Usage, DateTimeOffset MeasuredAt);

/// <summary>
/// The usage summary of the session container: one small item beside the records and claims, invisible to their
/// listings (<see cref="ISessionRecords.ListAsync"/>, <see cref="IPathClaims.ListAsync"/>) and not counted in it. Written by
/// each cleanup run from its own walk, and by Info when there is none or it is too old; read by Info.
/// </summary>
public interface ISessionUsageSummary
{
    /// <summary>
    /// The summary with its version; null when there is none (a fresh store). One that cannot be read as a summary comes
    /// back measured at <see cref="DateTimeOffset.MinValue"/> (stale) with its version, so the next measurement replaces it.
    /// </summary>
    Task<Versioned<SessionUsageSummary>?> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes the summary if none exists (<paramref name="version"/> null: If-None-Match: *) or over the one read at
    /// <paramref name="version"/> (If-Match); false when the condition failed: another writer got there first, and its
    /// summary stays.
    /// </summary>
    Task<bool> TryWriteAsync(SessionUsageSummary summary, string? version, CancellationToken cancellationToken);
}
