using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>Configuration the server refuses at start, before it serves anything.</summary>
[Collection(StoreCollection.Name)]
public sealed class OptionsTests(StoreFixture store)
{
    [Fact]
    public async Task Session_records_in_the_file_container_stop_the_server_at_start()
    {
        var settings = new Dictionary<string, string>
        {
            ["ImageStore__Container"] = "same-container",
            ["ImageStore__SessionContainer"] = "same-container",
        };

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(store.Azurite.ConnectionString, settings));

        Assert.Contains("ImageStore:SessionContainer", failure.Message);
    }
}
