using BlobImageStore.Functions.Telemetry;
using BlobImageStore.Security;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker;
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

        // Security: the same authorization as the self-host, inside the app. Without ImageStore:Security the host's
        // function-key check admits callers; with it the triggers become anonymous and the app authenticates.
        services.AddSingleton(new SecurityHost(HostAccessMode.FunctionKeys));
        services.AddSingleton<IFunctionMetadataTransformer, FunctionAuthorizationLevel>();
        services.AddBlobImageStore(configuration);

        // Application Insights from the worker (APPLICATIONINSIGHTS_CONNECTION_STRING), with the image store's request
        // tags on its telemetry and the BlobImageStore meter forwarded as custom metrics.
        services.AddApplicationInsightsTelemetryWorkerService();
        services.ConfigureFunctionsApplicationInsights();
        services.AddImageStoreApplicationInsights();
        return services;
    }
}
