using System.Diagnostics;
using Azure;
using BlobImageStore.Paths;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Sessions;

/// <summary>What one cleanup run did.</summary>
public sealed record CleanupReport(int Scanned, int Expired, int TombstonesRemoved, int ClaimsReleased, int Failures, TimeSpan Elapsed);

/// <summary>
/// The session cleanup, run by both hosts: the Functions app's timer trigger and the self-host's background service.
/// <list type="number">
/// <item>Each open session past its expiry becomes an <see cref="SessionState.Expired"/> tombstone (so a late chunk or
/// commit for its id gets a 404 that says it expired), its staged blocks are discarded where no committed file exists
/// (<see cref="IBlockStaging.DiscardUncommittedAsync"/>, which never touches a committed file), and its path claim is
/// released.</item>
/// <item>Each tombstone (expired or committed) past <c>ImageStore:TombstoneRetention</c> is deleted.</item>
/// <item>Each stale path claim (its session ended, expired, or never got a record) is released, its blocks discarded.</item>
/// </list>
/// Any number of runs may overlap, on one instance or many: every change is a conditional write on the version the
/// decision was made from, so of two runs deciding the same thing exactly one acts and the other finds it done; blocks are
/// only discarded under a claim marked "releasing" (see <see cref="PathRelease"/>). No lock is taken.
/// </summary>
public sealed partial class SessionCleanup(
    ISessionRecordScan scan,
    ISessionRecords records,
    IPathClaims claims,
    PathRelease release,
    IOptions<ImageStoreOptions> options,
    TimeProvider clock,
    ILogger<SessionCleanup> logger)
{
    public async Task<CleanupReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var lifetime = new SessionLifetime(options.Value);
        int scanned = 0, expired = 0, removed = 0, released = 0, failures = 0;

        await foreach (var entry in scan.ListSessionsAsync(cancellationToken))
        {
            scanned++;
            var now = clock.GetUtcNow();
            if (entry is { State: { } state, Modified: { } modified } && now < lifetime.DueAt(state, modified))
            {
                continue; // Listed with its state and time: nothing due yet, no need to read it.
            }

            try
            {
                switch (await CleanSessionAsync(entry.SessionId, lifetime, cancellationToken))
                {
                    case CleanupAction.Expire:
                        expired++;
                        break;
                    case CleanupAction.RemoveTombstone:
                        removed++;
                        break;
                }
            }
            catch (Exception e) when (IsItemFailure(e, cancellationToken))
            {
                failures++;
                LogSessionFailed(logger, entry.SessionId, e);
            }
        }

        await foreach (var claim in scan.ListClaimsAsync(cancellationToken))
        {
            try
            {
                if (await ReleaseIfStaleAsync(claim, lifetime, cancellationToken))
                {
                    released++;
                }
            }
            catch (Exception e) when (IsItemFailure(e, cancellationToken))
            {
                failures++;
                LogClaimFailed(logger, claim.Value.Path, claim.Value.SessionId, e);
            }
        }

        var report = new CleanupReport(scanned, expired, removed, released, failures, Stopwatch.GetElapsedTime(started));
        LogRun(logger, report.Scanned, report.Expired, report.TombstonesRemoved, report.ClaimsReleased, report.Failures, report.Elapsed.TotalMilliseconds);
        return report;
    }

    /// <summary>Expires or removes one record if due; returns what this run did (None when another run or a request got there first).</summary>
    private async Task<CleanupAction> CleanSessionAsync(Guid sessionId, SessionLifetime lifetime, CancellationToken cancellationToken)
    {
        if (await records.GetAsync(sessionId, cancellationToken) is not { } session)
        {
            return CleanupAction.None;
        }

        var record = session.Value;
        switch (lifetime.Decide(record, clock.GetUtcNow()))
        {
            case CleanupAction.Expire:
                // The tombstone keeps Modified (the last chunk), so it still says when the session expired.
                var tombstone = record with { State = SessionState.Expired };
                if (await records.TryReplaceAsync(tombstone, session.Version, cancellationToken) is null)
                {
                    return CleanupAction.None; // Another run tombstoned it, or a chunk just before expiry touched it.
                }

                // Discard and release only under this session's own claim, and not while someone else (a delete, or
                // another run that got there first) is discarding under it: that one releases it when done.
                var path = StorePath.Parse(record.Path);
                var discarded = await claims.GetClaimAsync(path, cancellationToken) is { } claim
                    && claim.Value.SessionId == sessionId
                    && lifetime.Classify(claim.Value, tombstone, clock.GetUtcNow()) != ClaimStanding.Releasing
                    && await release.DiscardAndReleaseAsync(path, claim, cancellationToken);
                LogExpired(logger, sessionId, record.Path, lifetime.ExpiresAt(record), discarded);
                return CleanupAction.Expire;

            case CleanupAction.RemoveTombstone:
                if (!await records.TryDeleteAsync(sessionId, session.Version, cancellationToken))
                {
                    return CleanupAction.None;
                }

                LogTombstoneRemoved(logger, sessionId, record.Path, record.State);
                return CleanupAction.RemoveTombstone;

            default:
                return CleanupAction.None;
        }
    }

    private async Task<bool> ReleaseIfStaleAsync(Versioned<PathClaim> claim, SessionLifetime lifetime, CancellationToken cancellationToken)
    {
        var holder = await records.GetAsync(claim.Value.SessionId, cancellationToken);
        if (!lifetime.CleanupMayRelease(claim.Value, holder?.Value, clock.GetUtcNow()))
        {
            return false;
        }

        var path = StorePath.Parse(claim.Value.Path);
        if (!await release.DiscardAndReleaseAsync(path, claim, cancellationToken))
        {
            return false;
        }

        LogClaimReleased(logger, claim.Value.Path, claim.Value.SessionId, holder?.Value.State);
        return true;
    }

    private static bool IsItemFailure(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && e is RequestFailedException or AggregateException or OperationCanceledException or InvalidDataException or IOException
            or Errors.FabricException;

    [LoggerMessage(Level = LogLevel.Information, Message = "Session cleanup: {Scanned} records scanned, {Expired} sessions expired, {TombstonesRemoved} tombstones removed, {ClaimsReleased} stale path claims released, {Failures} failures, in {ElapsedMs:0} ms")]
    private static partial void LogRun(ILogger logger, int scanned, int expired, int tombstonesRemoved, int claimsReleased, int failures, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload session {SessionId} for {StorePath} expired at {ExpiredAt:O}: now a tombstone; staged blocks discarded and path released: {Discarded}")]
    private static partial void LogExpired(ILogger logger, Guid sessionId, string storePath, DateTimeOffset expiredAt, bool discarded);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Upload session {SessionId} for {StorePath}: {State} tombstone removed after its retention")]
    private static partial void LogTombstoneRemoved(ILogger logger, Guid sessionId, string storePath, SessionState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stale path claim on {StorePath} by session {SessionId} (record: {HolderState}) released, its staged blocks discarded")]
    private static partial void LogClaimReleased(ILogger logger, string storePath, Guid sessionId, SessionState? holderState);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session cleanup could not clean session {SessionId}; the next run tries again")]
    private static partial void LogSessionFailed(ILogger logger, Guid sessionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session cleanup could not release the claim on {StorePath} by {SessionId}; the next run tries again")]
    private static partial void LogClaimFailed(ILogger logger, string storePath, Guid sessionId, Exception exception);
}
