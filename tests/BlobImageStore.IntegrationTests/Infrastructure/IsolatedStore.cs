using Azure.Storage.Blobs;

namespace BlobImageStore.IntegrationTests.Infrastructure;

/// <summary>
/// A second server process on the fixture's Azurite with containers of its own (and any other settings), for tests that
/// need the whole store to themselves: an empty root, exact store-wide totals, a small page size, another separator.
/// </summary>
public sealed class IsolatedStore : IAsyncDisposable
{
    private readonly ServerProcess _server;

    private IsolatedStore(ServerProcess server, BlobServiceClient blobs, string container, string sessionContainer)
    {
        _server = server;
        Api = new ImageStoreApi(server.Address);
        Files = blobs.GetBlobContainerClient(container);
        Sessions = blobs.GetBlobContainerClient(sessionContainer);
    }

    public ImageStoreApi Api { get; }

    public Uri Address => _server.Address;

    public BlobContainerClient Files { get; }

    public BlobContainerClient Sessions { get; }

    public static async Task<IsolatedStore> StartAsync(StoreFixture store, IReadOnlyDictionary<string, string>? settings = null)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var (container, sessionContainer) = ($"iso-{id}", $"iso-{id}-sessions");
        var all = new Dictionary<string, string>(StoreFixture.ServerSettings)
        {
            ["ImageStore__Container"] = container,
            ["ImageStore__SessionContainer"] = sessionContainer,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var server = await ServerProcess.StartAsync(store.Azurite.ConnectionString, all);
        return new IsolatedStore(server, new BlobServiceClient(store.Azurite.ConnectionString), container, sessionContainer);
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _server.DisposeAsync();
        await Files.DeleteIfExistsAsync();
        await Sessions.DeleteIfExistsAsync();
    }
}
