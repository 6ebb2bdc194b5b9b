using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// The server is killed (SIGKILL) while chunks are in flight, then started again: the session resumes from
/// ExpectedRanges, only the bytes the server never acknowledged are sent again, and the committed blob is exact.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class RestartTests(StoreFixture store)
{
    private const int ChunkSize = 1024 * 1024;

    [Fact]
    public async Task Killing_the_server_mid_upload_loses_nothing_acknowledged_and_resume_sends_only_the_rest()
    {
        var file = TestData.Bytes(8 * ChunkSize, 42);
        var path = TestData.NewPath("restart.bin");
        var session = Guid.NewGuid();

        await using (var server = await ServerProcess.StartAsync(store.Azurite.ConnectionString, StoreFixture.ServerSettings))
        {
            using var api = new ImageStoreApi(server.Address);
            for (var i = 0; i < 3; i++)
            {
                await Fabric.AssertOkAsync(await api.UploadChunkAsync(path, session, file, (long)i * ChunkSize, (i + 1L) * ChunkSize - 1));
            }

            // Three chunks in flight: each has sent half its body (several 64 KiB blocks staged) when the server dies.
            var never = new TaskCompletionSource();
            var inFlight = Enumerable.Range(3, 3).Select(i =>
            {
                var content = new StallingContent(file[(i * ChunkSize)..((i + 1) * ChunkSize)], ChunkSize / 2, never.Task);
                return (content, send: api.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session), content, $"bytes {i * ChunkSize}-{(i + 1) * ChunkSize - 1}/{file.Length}"));
            }).ToList();
            await Task.WhenAll(inFlight.Select(f => f.content.FirstPartSent.Task)).WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(500); // let the server stage what it has read

            server.Kill();
            never.TrySetResult(); // the clients try to send the rest into dead connections
            foreach (var (_, send) in inFlight)
            {
                var failure = await Record.ExceptionAsync(() => send.WaitAsync(TimeSpan.FromSeconds(30)));
                Assert.NotNull(failure);
                Assert.IsNotType<TimeoutException>(failure);
            }
        }

        await using var restarted = await ServerProcess.StartAsync(store.Azurite.ConnectionString, StoreFixture.ServerSettings);
        using var resumed = new ImageStoreApi(restarted.Address);
        var status = await resumed.GetSessionAsync(session);
        Assert.NotNull(status);
        Assert.Equal([(3L * ChunkSize, file.Length - 1L)], status.Ranges.ToList());

        long resent = 0;
        foreach (var (first, last) in status.Ranges)
        {
            for (var offset = first; offset <= last; offset += ChunkSize)
            {
                var end = Math.Min(offset + ChunkSize - 1, last);
                await Fabric.AssertOkAsync(await resumed.UploadChunkAsync(path, session, file, offset, end));
                resent += end - offset + 1;
            }
        }

        await Fabric.AssertOkAsync(await resumed.CommitAsync(session));
        Assert.Equal(file.Length - 3L * ChunkSize, resent);
        Assert.Equal(file, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }
}
