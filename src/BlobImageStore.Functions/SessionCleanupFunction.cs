using BlobImageStore.Sessions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Functions;

/// <summary>
/// The session cleanup on a timer: expired sessions become tombstones (their staged blocks discarded, their paths
/// released), old tombstones and stale path claims go. The self-host runs the same <see cref="SessionCleanup"/> from a
/// background service. Safe when runs overlap (several apps on one store, or a self-host beside this app). Each run also
/// writes the session container's usage summary that Info reads (see <see cref="SessionCleanup"/>).
/// </summary>
public sealed partial class SessionCleanupFunction(SessionCleanup cleanup, ILogger<SessionCleanupFunction> logger)
{
    /// <summary>The app setting that holds the timer's NCRONTAB schedule (environment: <c>ImageStore__CleanupSchedule</c>).
    /// The Functions host, not the worker, resolves it, so it must be an app setting: the templates set it.</summary>
    public const string ScheduleSetting = "ImageStore:CleanupSchedule";

    /// <summary>The timer's schedule: a binding expression the host resolves from <see cref="ScheduleSetting"/>.</summary>
    public const string Schedule = "%" + ScheduleSetting + "%";

    /// <summary>Every 5 minutes (NCRONTAB with seconds), the value the templates and the sample settings give
    /// <see cref="ScheduleSetting"/>: a session is cleaned up at most 5 minutes after it expired; requests treat it as
    /// expired from the exact moment anyway.</summary>
    public const string DefaultSchedule = "0 */5 * * * *";

    [Function("SessionCleanup")]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        LogFired(logger, timer.IsPastDue, timer.ScheduleStatus?.Next);
        await cleanup.RunAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session cleanup timer fired (past due: {IsPastDue}; next: {Next})")]
    private static partial void LogFired(ILogger logger, bool isPastDue, DateTime? next);
}
