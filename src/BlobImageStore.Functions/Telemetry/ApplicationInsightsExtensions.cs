using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Functions.Telemetry;

public static class ApplicationInsightsExtensions
{
    private const string ApplicationInsightsLoggerProvider = "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider";

    /// <summary>
    /// The image store's additions to the worker's Application Insights: request tags as custom dimensions, the
    /// <c>BlobImageStore</c> meter as custom metrics, and Information-level logs (the SDK's own default rule keeps only
    /// warnings, which would drop each request's line and the cleanup's summary); host.json's logging levels still apply.
    /// </summary>
    public static IServiceCollection AddImageStoreApplicationInsights(this IServiceCollection services)
    {
        services.AddSingleton<ITelemetryInitializer, ImageStoreTelemetryInitializer>();
        services.AddSingleton<ImageStoreMetricsForwarder>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ImageStoreMetricsForwarder>());
        services.Configure<LoggerFilterOptions>(options =>
        {
            var rule = options.Rules.FirstOrDefault(r => r.ProviderName == ApplicationInsightsLoggerProvider);
            if (rule is not null)
            {
                options.Rules.Remove(rule);
            }
        });
        return services;
    }
}
