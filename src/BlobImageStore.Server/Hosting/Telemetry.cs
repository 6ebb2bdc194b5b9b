using BlobImageStore.Http;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BlobImageStore.Server.Hosting;

public static class Telemetry
{
    /// <summary>
    /// OpenTelemetry traces and metrics: ASP.NET Core request spans carry the image store's tags (operation, session
    /// id, bytes, outcome); the console exporter is on when <c>Telemetry:Console</c> is true, and an OTLP exporter can
    /// be added by configuration in a deployment.
    /// </summary>
    public static void AddImageStoreTelemetry(this WebApplicationBuilder builder)
    {
        var console = builder.Configuration.GetValue("Telemetry:Console", false);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("BlobImageStore.Server"))
            .WithTracing(t =>
            {
                t.AddAspNetCoreInstrumentation().AddSource(RequestTelemetry.SourceName);
                if (console)
                {
                    t.AddConsoleExporter();
                }
            })
            .WithMetrics(m =>
            {
                m.AddAspNetCoreInstrumentation().AddMeter(RequestTelemetry.SourceName);
                if (console)
                {
                    m.AddConsoleExporter();
                }
            });
    }
}
