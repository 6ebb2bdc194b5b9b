using System.Globalization;
using Azure.Storage.Blobs;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.Functions.Tests.Infrastructure;

/// <summary>
/// One Azurite (free port, own temp folder, stopped by PID), the real self-host server process in front of it, and the
/// Functions app in-process on other containers of the same Azurite: both hosts stage in 64 KiB blocks, so the same
/// requests may go to both and their answers be compared. Tests may build more apps or servers on it.
/// </summary>
public sealed class HostsFixture : IAsyncLifetime
{
    public const int BlockSize = 64 * 1024;

    private int _containers;

    public TestAzurite Azurite { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

    public ImageStoreApi Api { get; private set; } = null!;

    public InProcessFunctions Functions { get; private set; } = null!;

    public BlobServiceClient Blobs { get; private set; } = null!;

    public static IReadOnlyDictionary<string, string> FunctionsSettings { get; } = new Dictionary<string, string>
    {
        ["BlockSize"] = BlockSize.ToString(CultureInfo.InvariantCulture),
        ["Container"] = "fn-imagestore",
        ["SessionContainer"] = "fn-imagestore-sessions",
    };

    public async Task InitializeAsync()
    {
        Azurite = await TestAzurite.StartAsync("fn");
        Server = await ServerProcess.StartAsync(Azurite.ConnectionString, new Dictionary<string, string>
        {
            ["ImageStore__BlockSize"] = BlockSize.ToString(CultureInfo.InvariantCulture),
        });
        Api = new ImageStoreApi(Server.Address);
        Functions = InProcessFunctions.Create(Azurite.ConnectionString, FunctionsSettings);
        Blobs = new BlobServiceClient(Azurite.ConnectionString);
    }

    /// <summary>A pair of fresh container names (files, sessions), so a test's store starts empty.</summary>
    public (string Files, string Sessions) NewContainers(string prefix)
    {
        var n = Interlocked.Increment(ref _containers);
        var id = $"{prefix}-{n}-{Guid.NewGuid():N}"[..30];
        return (id + "-f", id + "-s");
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Functions.DisposeAsync();
        await Server.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class HostsCollection : ICollectionFixture<HostsFixture>
{
    public const string Name = "hosts";
}
