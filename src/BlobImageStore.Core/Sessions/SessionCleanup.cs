using System.Diagnostics;
using BlobImageStore.Paths;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Sessions;

/// <summary>What one cleanup run did; <paramref name="Usage"/>: the session container as its walk left it (written as
/// Info's usage summary; a record this run rewrote counts at its listed size), null when the summary was not written.</summary>
public sealed record CleanupReport(int Scanned, int Expired, int TombstonesRemoved, int ClaimsReleased, int Failures, TimeSpan Elapsed, int CommitsFinished = 0, SessionStoreUsage? Usage = null);

/// <summary>
/// The session cleanup, run by both hosts (the Functions timer, the self-host's background service). It only ever makes
/// the state machines' own transitions, each with the same conditional write a request would use, so any number of
/// runs may overlap with each other and with requests:
/// <list type="number">
/// <item>an open or pending session past its expiry becomes an Expired tombstone (If-Match), then its claim is released
/// (If-Match); its staged blocks are left to Azure (never counted again, invisible to readers);</item>
/// <item>a commit whose committer died (Committing past its lease) is finished;</item>
/// <item>a tombstone past <c>ImageStore:TombstoneRetention</c> is deleted (If-Match);</item>
/// <item>a stale claim (its session ended, or a write's lease ran out) is deleted (If-Match).</item>
/// </list>
/// Records are listed with their due time in the blob's metadata, so only due ones are read. The same walk measures the
/// session container as the run leaves it (records and claims with their sizes, open sessions with their received bytes)
/// and writes that as Info's usage summary (<see cref="ISessionUsageSummary"/>, If-Match the summary read at the start:
/// a fresher one written meanwhile, by Info or another run, stays).
/// </summary>
public sealed partial class SessionCleanup(
    ISessionRecords records,
    IPathClaims claims,
    ISessionUsageSummary usageSummary,
    UploadSessions sessions,
    SessionMachine machine,
    TimeProvider clock,
    ILogger<SessionCleanup> logger)
{
    public async Task<CleanupReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        int scanned = 0, expired = 0, removed = 0, released = 0, finished = 0, failures = 0;
        var measuredAt = clock.GetUtcNow();
        var summary = await ReadSummaryAsync(cancellationToken);
        long recordCount = 0, claimCount = 0, bytes = 0, open = 0, openBytes = 0;

        await foreach (var entry in records.ListAsync(cancellationToken))
        {
            scanned++;
            if (entry.DueAt is { } due && clock.GetUtcNow() < due)
            {
                // Listed with its due time: nothing to do yet, no need to read it.
                CountRecord(entry, stillOpen: true);
                continue;
            }

            try
            {
                switch (await CleanSessionAsync(entry.SessionId, cancellationToken))
                {
                    case CleanupAction.Expire:
                        expired++;
                        CountRecord(entry, stillOpen: false);
                        break;
                    case CleanupAction.RemoveTombstone:
                        removed++;
                        break;
                    case CleanupAction.FinishCommit:
                        finished++;
                        CountRecord(entry, stillOpen: false);
                        break;
                    default:
                        CountRecord(entry, stillOpen: true);
                        break;
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                LogSessionFailed(logger, entry.SessionId, e);
                CountRecord(entry, stillOpen: true);
            }
        }

        await foreach (var (claim, claimBytes) in claims.ListEveryAsync(cancellationToken))
        {
            claimCount++;
            bytes += claimBytes;
            try
            {
                var holder = claim.Value.Kind == ClaimKind.Session ? await records.GetAsync(claim.Value.Holder, cancellationToken) : null;
                if (machine.Stand(claim.Value, holder?.Value, clock.GetUtcNow()) == ClaimStanding.Stale
                    && await claims.TryDeleteAsync(StorePath.Parse(claim.Value.Path), claim.Version, cancellationToken))
                {
                    released++;
                    claimCount--;
                    bytes -= claimBytes;
                    LogClaimReleased(logger, claim.Value.Path, claim.Value.Kind, claim.Value.Holder);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                LogClaimFailed(logger, claim.Value.Path, claim.Value.Holder, e);
            }
        }

        var usage = new SessionStoreUsage(recordCount, claimCount, bytes, open, openBytes);
        var written = await WriteSummaryAsync(new SessionUsageSummary(usage, measuredAt), summary, cancellationToken);
        var report = new CleanupReport(scanned, expired, removed, released, failures, Stopwatch.GetElapsedTime(started), finished, written ? usage : null);
        LogRun(logger, report.Scanned, report.Expired, report.TombstonesRemoved, report.ClaimsReleased, report.CommitsFinished, report.Failures, report.Elapsed.TotalMilliseconds);
        return report;

        // A record counts as the run leaves it: a removed tombstone not at all, a session this run expired or committed
        // no longer as open. (A record whose cleaning failed counts as listed.)
        void CountRecord(SessionRecordEntry entry, bool stillOpen)
        {
            recordCount++;
            bytes += entry.Bytes;
            if (stillOpen && entry.State is { } state && SessionMachine.IsOpen(state) && entry.ReceivedBytes is { } received)
            {
                open++;
                openBytes += received;
            }
        }
    }

    /// <summary>The summary as the run starts (its version guards the write at the end); absent when it cannot be read.</summary>
    private async Task<Versioned<SessionUsageSummary>?> ReadSummaryAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await usageSummary.ReadAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogSummaryFailed(logger, e);
            return null;
        }
    }

    /// <summary>Writes the run's measurement unless a newer summary was written meanwhile (then that one stays).</summary>
    private async Task<bool> WriteSummaryAsync(SessionUsageSummary measured, Versioned<SessionUsageSummary>? read, CancellationToken cancellationToken)
    {
        try
        {
            if (await usageSummary.TryWriteAsync(measured, read?.Version, cancellationToken))
            {
                return true;
            }

            LogSummaryKept(logger);
            return false;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogSummaryFailed(logger, e);
            return false;
        }
    }

    /// <summary>Makes the one transition due for this record, if any; returns what this run did (None when another got there first).</summary>
    private async Task<CleanupAction> CleanSessionAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        if (await records.GetAsync(sessionId, cancellationToken) is not { } session)
        {
            return CleanupAction.None;
        }

        switch (machine.Decide(session.Value, clock.GetUtcNow()))
        {
            case CleanupAction.Expire:
                if (!await sessions.TryExpireAsync(session, cancellationToken))
                {
                    return CleanupAction.None; // Another run tombstoned it, or a chunk just before expiry touched it.
                }

                await sessions.ReleaseClaimAsync(session.Value, cancellationToken);
                return CleanupAction.Expire;

            case CleanupAction.FinishCommit:
                return await sessions.CommitAsync(sessionId, null, cancellationToken) is SessionCommitted { Already: false }
                    ? CleanupAction.FinishCommit
                    : CleanupAction.None;

            case CleanupAction.RemoveTombstone:
                if (!await records.TryDeleteAsync(sessionId, session.Version, cancellationToken))
                {
                    return CleanupAction.None;
                }

                LogTombstoneRemoved(logger, sessionId, session.Value.Path, session.Value.State);
                return CleanupAction.RemoveTombstone;

            default:
                return CleanupAction.None;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session cleanup: {Scanned} records scanned, {Expired} sessions expired, {TombstonesRemoved} tombstones removed, {ClaimsReleased} stale claims released, {CommitsFinished} commits finished, {Failures} failures, in {ElapsedMs:0} ms")]
    private static partial void LogRun(ILogger logger, int scanned, int expired, int tombstonesRemoved, int claimsReleased, int commitsFinished, int failures, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Upload session {SessionId} for {StorePath}: {State} tombstone removed after its retention")]
    private static partial void LogTombstoneRemoved(ILogger logger, Guid sessionId, string storePath, SessionState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stale {Kind} claim on {StorePath} by {Holder} released")]
    private static partial void LogClaimReleased(ILogger logger, string storePath, ClaimKind kind, Guid holder);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session cleanup: the usage summary was written by another run or by Info meanwhile; it stays")]
    private static partial void LogSummaryKept(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session cleanup could not read or write the usage summary of the session container; Info measures it until a run succeeds")]
    private static partial void LogSummaryFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session cleanup could not clean session {SessionId}; the next run tries again")]
    private static partial void LogSessionFailed(ILogger logger, Guid sessionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session cleanup could not release the claim on {StorePath} by {Holder}; the next run tries again")]
    private static partial void LogClaimFailed(ILogger logger, string storePath, Guid holder, Exception exception);
}
