using BlobImageStore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BlobImageStore.Functions.Tests;

/// <summary>The worker as Program.cs builds it (without a Functions host to connect to): it builds, and holds what the functions need.</summary>
public sealed class FunctionsCompositionTests
{
    [Fact]
    public void The_worker_host_builds_with_the_OpenTelemetry_pipeline_and_the_functions_dependencies()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        builder.Configuration["ImageStore:Storage"] = "UseDevelopmentStorage=true";
        builder.Configuration["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9"; // the host's gRPC address; never dialled here
        builder.Services.AddImageStoreFunctions(builder.Configuration);

        using var host = builder.Build();

        Assert.NotNull(ActivatorUtilities.CreateInstance<ImageStoreFunctions>(host.Services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<SessionCleanupFunction>(host.Services));
        // The 13 /ImageStore operations of the spec, the cluster-manifest shim, GetAadMetadata and the two ListUploadSessions
        // routes (this server's addition), the same table as the self-host's.
        Assert.Equal(17, host.Services.GetRequiredService<ImageStoreEndpoint>().Operations.Count);

        // One OpenTelemetry pipeline for traces, metrics and logs, and no Application Insights SDK.
        Assert.NotNull(host.Services.GetRequiredService<TracerProvider>());
        Assert.NotNull(host.Services.GetRequiredService<MeterProvider>());
        Assert.Contains(host.Services.GetServices<ILoggerProvider>(), p => p is OpenTelemetryLoggerProvider);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name!.StartsWith("Microsoft.ApplicationInsights", StringComparison.Ordinal));

        // The worker tells the host it exports its own telemetry, so the host does not send the worker's logs again.
        var capabilities = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Capabilities;
        Assert.Equal(bool.TrueString, capabilities["WorkerOpenTelemetryEnabled"]);
    }

    [Fact]
    public void The_workers_log_levels_come_from_its_Logging_settings()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        builder.Configuration["ImageStore:Storage"] = "UseDevelopmentStorage=true";
        builder.Configuration["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9";
        builder.Configuration["Logging:LogLevel:Azure"] = "Warning"; // the app setting Logging__LogLevel__Azure, as the README says
        builder.Services.AddImageStoreFunctions(builder.Configuration);

        using var host = builder.Build();
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger("Azure.Core").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Azure.Core").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger(typeof(ImageStoreEndpoint).FullName!).IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void The_http_triggers_need_a_function_key_by_default() =>
        Assert.Equal(AuthorizationLevel.Function, ImageStoreFunctions.Level);
}
