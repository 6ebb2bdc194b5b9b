using BlobImageStore.Functions.Telemetry;
using BlobImageStore.Http;
using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BlobImageStore.Functions.Tests;

/// <summary>The worker as Program.cs builds it (without a Functions host to connect to): it builds, and holds what the functions need.</summary>
public sealed class FunctionsCompositionTests
{
    [Fact]
    public void The_worker_host_builds_with_the_image_store_application_insights_and_the_functions_dependencies()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        builder.Configuration["ImageStore:Storage"] = "UseDevelopmentStorage=true";
        builder.Configuration["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9"; // the host's gRPC address; never dialled here
        builder.Services.AddImageStoreFunctions(builder.Configuration);

        using var host = builder.Build();

        Assert.NotNull(ActivatorUtilities.CreateInstance<ImageStoreFunctions>(host.Services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<SessionCleanupFunction>(host.Services));
        // The 13 /ImageStore operations of the spec, the cluster-manifest shim and GetAadMetadata, the same table as the self-host's.
        Assert.Equal(15, host.Services.GetRequiredService<ImageStoreEndpoint>().Operations.Count);
        Assert.Contains(host.Services.GetServices<ITelemetryInitializer>(), i => i is ImageStoreTelemetryInitializer);
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s is ImageStoreMetricsForwarder);
        Assert.NotNull(host.Services.GetRequiredService<Microsoft.ApplicationInsights.TelemetryClient>());
    }

    [Fact]
    public void The_http_triggers_need_a_function_key_by_default() =>
        Assert.Equal(Microsoft.Azure.Functions.Worker.AuthorizationLevel.Function, ImageStoreFunctions.Level);
}
