using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BlobImageStore.Functions.Tests.Infrastructure;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;

namespace BlobImageStore.Functions.Tests;

/// <summary>
/// The self-host registers the cleanup as a background service and it runs: a real server process with a 3-second
/// expiry and a half-second cleanup interval turns an abandoned session into a tombstone on its own, in real time.
/// </summary>
[Collection(HostsCollection.Name)]
public sealed class SelfHostCleanupTests(HostsFixture hosts)
{
    [Fact]
    public async Task The_servers_background_cleanup_tombstones_an_abandoned_session_and_discards_its_chunks()
    {
        var (files, sessions) = hosts.NewContainers("selfhost");
        await using var server = await ServerProcess.StartAsync(hosts.Azurite.ConnectionString, new Dictionary<string, string>
        {
            ["ImageStore__Container"] = files,
            ["ImageStore__SessionContainer"] = sessions,
            ["ImageStore__BlockSize"] = HostsFixture.BlockSize.ToString(CultureInfo.InvariantCulture),
            ["ImageStore__SessionExpiry"] = "00:00:03",
            ["ImageStore__CleanupInterval"] = "00:00:00.500",
        });
        using var api = new ImageStoreApi(server.Address);
        var path = $"selfhost-{Guid.NewGuid():N}/f.bin";
        var session = Guid.NewGuid();
        var file = TestData.Bytes(200_000, 9);

        // timeout=5: the chunk's record write moves the session's horizon 1.5 × max(expiry, the chunk's timeout) + 30 s of
        // clock skew ahead (37.5 s here; 2 min with the default 60 s timeout). (timeout=1 failed once with 504 on a loaded
        // machine: the first request of a cold server process.)
        await Fabric.AssertOkAsync(await api.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session) + "&timeout=5",
            new ReadOnlyMemoryContent(file.AsMemory(0, 150_000)), $"bytes 0-149999/{file.Length}"));
        Assert.NotNull(await api.GetSessionAsync(session));

        // The cleanup tombstones the record, then releases the claim: wait for both. No file appears at the path.
        var container = hosts.Blobs.GetBlobContainerClient(sessions);
        var record = container.GetBlobClient($"sessions/{session:D}.json");
        var claim = container.GetBlobClient(ClaimNames.For(StorePath.Parse(path)));
        var blob = hosts.Blobs.GetBlobContainerClient(files).GetBlockBlobClient(path);
        Assert.True(await UncommittedBlocksAsync(blob) > 0);
        var waited = Stopwatch.StartNew();
        (string? State, bool Claimed, int Blocks) seen = default;
        while (waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            using var json = JsonDocument.Parse((await record.DownloadContentAsync()).Value.Content.ToString());
            seen = (json.RootElement.GetProperty("State").GetString(), (await claim.ExistsAsync()).Value, (await blob.ExistsAsync()).Value ? 1 : 0);
            if (seen == ("Expired", false, 0))
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.True(seen == ("Expired", false, 0), $"still {seen} after {waited.Elapsed}:\n{server.Output}");

        Assert.Null(await api.GetSessionAsync(session));
        var message = await Fabric.AssertErrorAsync(await api.UploadChunkAsync(path, session, file, 150_000, 199_999), HttpStatusCode.NotFound, "FABRIC_E_FILE_NOT_FOUND");
        Assert.Contains("after its last recorded activity", message);
    }

    private static async Task<int> UncommittedBlocksAsync(BlockBlobClient blob)
    {
        try
        {
            return (await blob.GetBlockListAsync(BlockListTypes.Uncommitted)).Value.UncommittedBlocks.Count();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return 0;
        }
    }
}
