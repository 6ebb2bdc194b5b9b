using BlobImageStore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BlobImageStore.Functions;

/// <summary>The Functions app's services, apart from the worker itself (Program.cs), so tests can build the same container.</summary>
public static class ImageStoreFunctionsApp
{
    public static IServiceCollection AddImageStoreFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        // The chunk limit is ImageStore:MaxChunkSize (checked by UploadChunk before reading), not the worker's Kestrel
        // default of 30 MB; the Functions host in front refuses bodies over 100 MB anyway.
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = null);

        services.AddBlobImageStore(configuration);

        // The self-host's OpenTelemetry pipeline (traces, metrics, logs; Azure Monitor and/or OTLP), with the worker's
        // defaults: the Functions resource (service.name = the app's name), the worker's invocation spans, and the
        // capability that tells the host the worker exports its own telemetry (host.json: telemetryMode OpenTelemetry).
        services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .AddImageStoreTelemetry(configuration);
        return services;
    }
}
