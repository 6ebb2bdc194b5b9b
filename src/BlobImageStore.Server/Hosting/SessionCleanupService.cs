using BlobImageStore.Sessions;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Server.Hosting;

/// <summary>
/// Runs the session cleanup (<see cref="SessionCleanup"/>) at start and then every <c>ImageStore:CleanupInterval</c>
/// (default 5 minutes): the self-host's counterpart of the Functions app's timer trigger. Several servers on one store
/// may all run it; the cleanup is safe when runs overlap.
/// </summary>
public sealed partial class SessionCleanupService(
    SessionCleanup cleanup,
    IOptions<ImageStoreOptions> options,
    TimeProvider clock,
    ILogger<SessionCleanupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.CleanupInterval;
        LogStarted(logger, interval, options.Value.SessionExpiry, options.Value.TombstoneRetention);
        using var timer = new PeriodicTimer(interval, clock);
        try
        {
            do
            {
                try
                {
                    await cleanup.RunAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // Storage down, most likely: the next tick tries again.
                    LogFailed(logger, interval, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session cleanup every {Interval}: sessions expire {SessionExpiry} after their last chunk, tombstones are kept {TombstoneRetention}")]
    private static partial void LogStarted(ILogger logger, TimeSpan interval, TimeSpan sessionExpiry, TimeSpan tombstoneRetention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session cleanup run failed; it runs again in {Interval}")]
    private static partial void LogFailed(ILogger logger, TimeSpan interval, Exception exception);
}
