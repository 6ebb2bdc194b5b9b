using BlobImageStore.ModelTests;
using BlobImageStore.Paths;
using Xunit.Abstractions;

namespace BlobImageStore.IntegrationTests.StorageContract;

/// <summary>
/// The storage-port contract against the in-memory store of the model tests (<c>tests/BlobImageStore.ModelTests/InMemoryStore.cs</c>,
/// compiled into this project as a linked file, so the model tests need no Azurite): it must keep every rule of Azure.
/// </summary>
public sealed class InMemoryStoreContractTests(ITestOutputHelper output) : StoragePortContract(output)
{
    private readonly InMemoryStore _store = new();

    protected override Task<StoragePorts> CreateAsync() =>
        Task.FromResult(new StoragePorts(_store, _store, _store, _store, _store, _store, _store, _store));

    protected override Task<byte[]?> ReadAsync(StorePath path) => Task.FromResult(_store.Content(path.Value));
}
