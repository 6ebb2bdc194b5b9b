using Microsoft.Extensions.Options;

namespace BlobImageStore.Server.Hosting;

/// <summary>
/// The embedded default: when <c>ImageStore:Storage</c> is not configured, the server starts Azurite from the repo
/// (data in <c>.azurite/</c> at the repo root, port 10000, or one already running there) and uses it.
/// </summary>
public static class EmbeddedAzurite
{
    public static async Task UseEmbeddedAzuriteWhenUnconfiguredAsync(this WebApplicationBuilder builder)
    {
        var storage = builder.Configuration.GetSection(ImageStoreOptions.StorageSectionName);
        if (storage.Value is not null || storage.GetChildren().Any())
        {
            return;
        }

        var root = AzuriteProcess.FindToolsRoot(builder.Environment.ContentRootPath)
            ?? throw new InvalidOperationException(
                "ImageStore:Storage is not set and Azurite is not installed. Run 'npm ci' in the repository root, or set ImageStore__Storage to a connection string.");
        var port = builder.Configuration.GetValue("Azurite:Port", 10000);
        var azurite = await AzuriteProcess.StartAsync(
            new AzuriteOptions { ToolsRoot = root, Port = port, Location = Path.Combine(root, ".azurite") },
            reuseRunning: true,
            CancellationToken.None);

        builder.Configuration[ImageStoreOptions.StorageSectionName] = azurite.ConnectionString;
        builder.Services.AddSingleton(azurite);
        builder.Services.AddHostedService<AzuriteLifetime>();
        Console.WriteLine($"ImageStore:Storage is not set: using Azurite on 127.0.0.1:{port} (data in {Path.Combine(root, ".azurite")}).");
    }

    /// <summary>Stops the embedded Azurite with the server.</summary>
    private sealed class AzuriteLifetime(AzuriteProcess azurite) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => azurite.DisposeAsync().AsTask();
    }
}
