using System.Diagnostics;
using System.Text;
using System.Text.Json;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.Functions.Tests;

/// <summary>
/// <c>dotnet publish</c> of the Functions app into a temp folder, once for the tests of <see cref="PublishOutputTests"/>;
/// its build output goes to a temp artifacts folder too, so the solution's own bin and obj are never touched.
/// </summary>
public sealed class PublishedFunctionsApp : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "blobimagestore-publish-" + Guid.NewGuid().ToString("N"));

    public string Output => Path.Combine(_root, "out");

    public async Task InitializeAsync()
    {
        var project = Path.Combine(RepoPaths.Root, "src", "BlobImageStore.Functions", "BlobImageStore.Functions.csproj");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var arg in new[]
                 {
                     "publish", project, "-c", "Release", "-o", Output,
                     "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={Path.Combine(_root, "artifacts")}",
                     "-nodeReuse:false", "--disable-build-servers", "-v:minimal",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        // The test host's own MSBuild variables must not steer the child build.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("MSBUILD", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start)!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish did not finish in 5 minutes:\n" + log);
        }

        Assert.True(process.ExitCode == 0, $"dotnet publish failed ({process.ExitCode}):\n{log}");
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// What Azure would load from the published app: <c>functions.metadata</c> with the HTTP routes and the timer, and
/// <c>host.json</c> with the empty route prefix. (Its own test collection: the publish runs beside the other tests.)
/// </summary>
public sealed class PublishOutputTests(PublishedFunctionsApp app) : IClassFixture<PublishedFunctionsApp>
{
    private string Output => app.Output;

    [Fact]
    public void Functions_metadata_lists_the_http_routes_for_every_method_and_the_cleanup_timer()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output, "functions.metadata")));
        var functions = metadata.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);

        Assert.Equal(["ClusterManifest", "ImageStore", "ImageStoreRoot", "SessionCleanup"], functions.Keys.Order());
        foreach (var (name, route) in new[] { ("ImageStore", "ImageStore/{*rest}"), ("ImageStoreRoot", "ImageStore"), ("ClusterManifest", "$/GetClusterManifest") })
        {
            var function = functions[name];
            Assert.Equal("BlobImageStore.Functions.dll", function.GetProperty("scriptFile").GetString());
            var trigger = Binding(function, "httpTrigger");
            Assert.Equal(route, trigger.GetProperty("route").GetString());
            Assert.Equal("Function", trigger.GetProperty("authLevel").GetString());
            Assert.True(!trigger.TryGetProperty("methods", out var methods) || methods.ValueKind == JsonValueKind.Null,
                $"{name} should accept every method, as the self-host does: {methods}");
            Assert.Equal("out", Binding(function, "http").GetProperty("direction").GetString()!.ToLowerInvariant());
        }

        var timer = Binding(functions["SessionCleanup"], "timerTrigger");
        Assert.Equal(SessionCleanupFunction.Schedule, timer.GetProperty("schedule").GetString());
        // An app-setting binding expression, resolved by the host: ImageStore__CleanupSchedule in the app settings.
        Assert.Equal("%ImageStore:CleanupSchedule%", timer.GetProperty("schedule").GetString());
    }

    [Fact]
    public void Host_and_worker_send_telemetry_through_OpenTelemetry_only()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output, "host.json")));
        Assert.Equal("OpenTelemetry", host.RootElement.GetProperty("telemetryMode").GetString());

        // The Azure SDK's storage spans need its experimental switch, read once at the worker's first storage call.
        using var runtime = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output, "BlobImageStore.Functions.runtimeconfig.json")));
        Assert.True(runtime.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties")
            .GetProperty("Azure.Experimental.EnableActivitySource").GetBoolean());

        // No Application Insights SDK beside the OpenTelemetry exporters.
        Assert.True(File.Exists(Path.Combine(Output, "Azure.Monitor.OpenTelemetry.Exporter.dll")));
        Assert.True(File.Exists(Path.Combine(Output, "OpenTelemetry.Exporter.OpenTelemetryProtocol.dll")));
        Assert.True(File.Exists(Path.Combine(Output, "Microsoft.Azure.Functions.Worker.OpenTelemetry.dll")));
        Assert.Empty(Directory.GetFiles(Output, "Microsoft.ApplicationInsights*.dll"));
    }

    [Fact]
    public void Host_json_from_the_repo_root_is_published_with_the_empty_route_prefix()
    {
        var published = File.ReadAllText(Path.Combine(Output, "host.json"));
        using var host = JsonDocument.Parse(published);

        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")), published);
        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
        Assert.Equal("", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [Fact]
    public void The_output_is_a_complete_isolated_worker_app_without_local_settings()
    {
        Assert.True(File.Exists(Path.Combine(Output, "BlobImageStore.Functions.dll")));
        Assert.True(File.Exists(Path.Combine(Output, "worker.config.json")));
        Assert.True(File.Exists(Path.Combine(Output, "extensions.json")));
        Assert.True(Directory.Exists(Path.Combine(Output, ".azurefunctions")));
        Assert.False(File.Exists(Path.Combine(Output, "local.settings.json")));
        Assert.False(File.Exists(Path.Combine(Output, "local.settings.sample.json")));
        using var worker = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output, "worker.config.json")));
        Assert.Equal("dotnet-isolated", worker.RootElement.GetProperty("description").GetProperty("language").GetString());
    }

    private static JsonElement Binding(JsonElement function, string type) =>
        Assert.Single(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == type);
}
