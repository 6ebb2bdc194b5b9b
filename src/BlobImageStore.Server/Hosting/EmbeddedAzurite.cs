namespace BlobImageStore.Server.Hosting;

/// <summary>
/// The embedded default: when <c>ImageStore:Storage</c> is not configured, the server starts Azurite from the repo
/// (port <c>Azurite:Port</c>, default 10000; data in <c>Azurite:Location</c>, default <c>.azurite/</c> at the repo root)
/// and uses it. The Azurite it starts stops with it, and ends by itself if the server is killed (see
/// <see cref="AzuriteProcess"/>). When an Azurite is already listening on that port, it is used and left running, and
/// the startup line says so; when something else holds the port, the server does not start and says which setting to change.
/// </summary>
public static class EmbeddedAzurite
{
    public const string PortSetting = "Azurite:Port";
    public const string LocationSetting = "Azurite:Location";
    public const int DefaultPort = 10000;

    /// <summary>Configures the embedded Azurite when storage is unconfigured; false (after one line on stderr) when it cannot.</summary>
    public static async Task<bool> UseEmbeddedAzuriteWhenUnconfiguredAsync(this WebApplicationBuilder builder)
    {
        var storage = builder.Configuration.GetSection(ImageStoreOptions.StorageSectionName);
        if (storage.Value is not null || storage.GetChildren().Any())
        {
            return true;
        }

        var root = AzuriteProcess.FindToolsRoot(builder.Environment.ContentRootPath);
        if (root is null)
        {
            Console.Error.WriteLine(
                "ImageStore:Storage is not set and Azurite is not installed: run 'npm ci' in the repository root, or set ImageStore__Storage to a connection string.");
            return false;
        }

        var port = builder.Configuration.GetValue(PortSetting, DefaultPort);
        AzuriteProcess azurite;
        if (await AzuriteProcess.IsPortInUseAsync(port, CancellationToken.None))
        {
            if (!await AzuriteProcess.IsAzuriteAsync(port, CancellationToken.None))
            {
                Console.Error.WriteLine(
                    $"Port {port} for the embedded Azurite is in use by something that is not Azurite. Choose a free port with --{PortSetting}=<port> (environment Azurite__Port), or set ImageStore__Storage.");
                return false;
            }

            azurite = AzuriteProcess.Running(port);
            Console.WriteLine(
                $"ImageStore:Storage is not set: using an Azurite that was already running on 127.0.0.1:{port} (not started by this server, so it keeps running after it; its data is wherever that Azurite keeps it). Stop it, or pass --{PortSetting}=<port>, to have the server start its own.");
        }
        else
        {
            var location = builder.Configuration[LocationSetting] ?? Path.Combine(root, ".azurite");
            azurite = await AzuriteProcess.StartAsync(
                new AzuriteOptions { ToolsRoot = root, Port = port, Location = location },
                reuseRunning: false,
                CancellationToken.None);
            Console.WriteLine(
                $"ImageStore:Storage is not set: started Azurite (pid {azurite.ProcessId}) on 127.0.0.1:{port}, data in {location}; it stops with this server.");
        }

        builder.Configuration[ImageStoreOptions.StorageSectionName] = azurite.ConnectionString;
        builder.Services.AddSingleton(azurite);
        builder.Services.AddHostedService<AzuriteLifetime>();
        return true;
    }

    /// <summary>Stops the embedded Azurite with the server (a no-op for one it did not start).</summary>
    private sealed class AzuriteLifetime(AzuriteProcess azurite) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => azurite.DisposeAsync().AsTask();
    }
}
