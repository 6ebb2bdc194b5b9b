using BlobImageStore.Sessions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Functions;

/// <summary>
/// The session cleanup on a timer: expired sessions become tombstones (their staged blocks discarded, their paths
/// released), old tombstones and stale path claims go. The self-host runs the same <see cref="SessionCleanup"/> from a
/// background service. Safe when runs overlap (several apps on one store, or a self-host beside this app).
/// </summary>
public sealed partial class SessionCleanupFunction(SessionCleanup cleanup, ILogger<SessionCleanupFunction> logger)
{
    /// <summary>Every 5 minutes (NCRONTAB with seconds): a session is cleaned up at most 5 minutes after it expired;
    /// requests treat it as expired from the exact moment anyway.</summary>
    public const string Schedule = "0 */5 * * * *";

    [Function("SessionCleanup")]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        LogFired(logger, timer.IsPastDue, timer.ScheduleStatus?.Next);
        await cleanup.RunAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session cleanup timer fired (past due: {IsPastDue}; next: {Next})")]
    private static partial void LogFired(ILogger logger, bool isPastDue, DateTime? next);
}
