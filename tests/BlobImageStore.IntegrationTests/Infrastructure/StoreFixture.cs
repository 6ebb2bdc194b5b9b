using Azure.Storage.Blobs;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.IntegrationTests.Infrastructure;

/// <summary>
/// One Azurite (its own free port and temp folder, telemetry and API-version check off, stopped by PID) and one
/// server process in front of it, shared by the tests of the <see cref="StoreCollection"/>. The server stages in
/// 64 KiB blocks so that ordinary test chunks span several blocks.
/// </summary>
public sealed class StoreFixture : IAsyncLifetime
{
    public const int BlockSize = 64 * 1024;

    public TestAzurite Azurite { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

    public ImageStoreApi Api { get; private set; } = null!;

    public BlobContainerClient Files { get; private set; } = null!;

    public BlobContainerClient Sessions { get; private set; } = null!;

    public static IReadOnlyDictionary<string, string> ServerSettings { get; } = new Dictionary<string, string>
    {
        ["ImageStore__BlockSize"] = BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public async Task InitializeAsync()
    {
        Azurite = await TestAzurite.StartAsync("it");
        Server = await ServerProcess.StartAsync(Azurite.ConnectionString, ServerSettings);
        Api = new ImageStoreApi(Server.Address);
        var blobs = new BlobServiceClient(Azurite.ConnectionString);
        Files = blobs.GetBlobContainerClient("imagestore");
        Sessions = blobs.GetBlobContainerClient("imagestore-sessions");
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Server.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StoreCollection : ICollectionFixture<StoreFixture>
{
    public const string Name = "store";
}
