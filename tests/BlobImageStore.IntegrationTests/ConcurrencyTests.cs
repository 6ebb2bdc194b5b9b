using System.Security.Cryptography;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// The server keeps no session state in memory: chunks of one session arriving at the same moment at two server
/// processes (including the racing first chunks that create the session) make one correct file.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class ConcurrencyTests(StoreFixture store)
{
    [Fact]
    public async Task Chunks_of_one_session_spread_over_two_server_processes_at_once_commit_the_exact_file()
    {
        await using var second = await ServerProcess.StartAsync(store.Azurite.ConnectionString, StoreFixture.ServerSettings);
        using var other = new ImageStoreApi(second.Address);
        var servers = new[] { store.Api, other };

        for (var round = 0; round < 3; round++)
        {
            var file = TestData.Bytes(1_600_000, 100 + round);
            var path = TestData.NewPath($"two-servers-{round}.bin");
            var session = Guid.NewGuid();
            const int chunk = 100_000;

            // 16 chunks, all sent at once, alternating between the servers: several of them race to create the session.
            var sends = Enumerable.Range(0, 16).Select(i =>
                servers[i % 2].UploadChunkAsync(path, session, file, i * chunk, (i + 1L) * chunk - 1));
            foreach (var response in await Task.WhenAll(sends))
            {
                await Fabric.AssertOkAsync(response);
            }

            Assert.Empty((await servers[round % 2].GetSessionAsync(session))!.ExpectedRanges);
            await Fabric.AssertOkAsync(await servers[(round + 1) % 2].CommitAsync(session));
            var blob = (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray();
            Assert.Equal(SHA256.HashData(file), SHA256.HashData(blob));
        }
    }

    [Fact]
    public async Task Two_sessions_racing_for_one_path_get_one_winner_and_one_conflict()
    {
        var path = TestData.NewPath();
        var sessions = new[] { Guid.NewGuid(), Guid.NewGuid() };

        var responses = await Task.WhenAll(sessions.Select(s => store.Api.UploadChunkAsync(path, s, 0, 9, 20, new byte[10])));

        Assert.Equal(1, responses.Count(r => r.StatusCode == System.Net.HttpStatusCode.OK));
        Assert.Equal(1, responses.Count(r => r.StatusCode == System.Net.HttpStatusCode.Conflict));
        var winner = sessions[Array.FindIndex(responses, r => r.IsSuccessStatusCode)];
        Assert.Equal(winner.ToString(), (await store.Api.GetSessionByPathAsync(path))!.SessionId);
    }
}
