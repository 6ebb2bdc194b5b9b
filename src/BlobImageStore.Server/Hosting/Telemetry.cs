using BlobImageStore.Http;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BlobImageStore.Server.Hosting;

public static class Telemetry
{
    /// <summary>
    /// The shared OpenTelemetry pipeline (<see cref="ImageStoreOpenTelemetry"/>: the image store's operation spans and
    /// metrics, the Azure SDK's storage spans, ILogger logs; Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
    /// is set, OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is) with ASP.NET Core's request spans and metrics as the
    /// parents; traces and metrics also go to the console when <c>Telemetry:Console</c> is true.
    /// </summary>
    public static void AddImageStoreTelemetry(this WebApplicationBuilder builder)
    {
        var console = builder.Configuration.GetValue("Telemetry:Console", false);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("BlobImageStore.Server"))
            .WithTracing(t =>
            {
                t.AddAspNetCoreInstrumentation();
                if (console)
                {
                    t.AddConsoleExporter();
                }
            })
            .WithMetrics(m =>
            {
                m.AddAspNetCoreInstrumentation();
                if (console)
                {
                    m.AddConsoleExporter();
                }
            })
            .AddImageStoreTelemetry(builder.Configuration);
    }
}
