using Azure;
using Azure.Storage.Blobs;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace BlobImageStore.IntegrationTests.StorageContract;

/// <summary>One Azurite for the class's contract cases; each case gets containers of its own.</summary>
public sealed class ContractAzurite : IAsyncLifetime
{
    public TestAzurite Azurite { get; private set; } = null!;

    public BlobServiceClient Service { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Azurite = await TestAzurite.StartAsync("contract");
        Service = new BlobServiceClient(Azurite.ConnectionString);
    }

    public async Task DisposeAsync() => await Azurite.DisposeAsync();
}

/// <summary>
/// The storage-port contract against the real Blob adapters (<c>src/BlobImageStore/Storage</c>) on a real Azurite.
/// </summary>
public sealed class AzuriteStoreContractTests(ContractAzurite azurite, ITestOutputHelper output) : StoragePortContract(output), IClassFixture<ContractAzurite>
{
    private StoreContainers _containers = null!;

    /// <summary>Where Azurite is not Azure (see the brief and Azurite's own issues); every other rule of the contract holds.</summary>
    protected override IReadOnlyDictionary<AzureRule, string> Deviations { get; } = new Dictionary<AzureRule, string>
    {
        [AzureRule.DeleteBlobDiscardsUncommittedBlocks] =
            "Azurite keeps a deleted blob's uncommitted blocks, so a later Put Block List can still commit them; Azure drops them with the blob. " +
            "The protocol never relies on it: an ended session's blocks never count again (their IDs carry its key).",
    };

    protected override Task<StoragePorts> CreateAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var options = Options.Create(new ImageStoreOptions { Container = $"ct-{id}", SessionContainer = $"ct-{id}-sessions" });
        _containers = new StoreContainers(azurite.Service, options);
        var files = new BlobFileStore(_containers);
        var records = new BlobSessionRecords(_containers, new SessionMachine(new SessionRules(4096, 1_000_000, TimeSpan.FromMinutes(30), TimeSpan.FromDays(7))));
        return Task.FromResult(new StoragePorts(new BlobBlockStaging(_containers), records, records, files, files, files, files, new BlobSessionUsageSummary(_containers)));
    }

    protected override async Task<byte[]?> ReadAsync(StorePath path)
    {
        try
        {
            return (await _containers.Files.GetBlobClient(path.Value).DownloadContentAsync()).Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public override async Task DisposeAsync()
    {
        await _containers.Files.DeleteIfExistsAsync();
        await _containers.Sessions.DeleteIfExistsAsync();
    }
}
