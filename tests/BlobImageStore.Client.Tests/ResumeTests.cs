using System.Diagnostics;
using System.Net;
using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.Client.Uploads;
using BlobImageStore.Errors;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.Client.Tests;

/// <summary>Interrupted uploads continue where they stopped, and only with the same local file.</summary>
[Collection(ClientStoreCollection.Name)]
public sealed class ResumeTests(ClientStoreFixture store, ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Killing_the_cli_mid_upload_and_running_it_again_sends_only_the_expected_ranges()
    {
        const long size = 40 * MiB;
        var local = store.NewFile(size, seed: 40);
        var path = ClientStoreFixture.NewStorePath("killed.bin");
        var journal = TestSessions.TempDir();
        string[] upload = ["upload", local, path, "--endpoint", store.Proxy.Address.ToString(), "--chunk-size", "4MiB", "--parallel", "2"];

        // First run, slowed to 8 MiB/s so that it is surely mid-upload when killed: wait until the server holds at
        // least two chunks, then SIGKILL it.
        using (var first = CliProcess.Start(journal, [.. upload, "--limit-rate", "8MiB"]))
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var seen = await store.ServerApi.GetSessionByPathAsync(path);
                if (seen is not null && TestSessions.Missing(seen) <= size - 8 * MiB)
                {
                    break;
                }

                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the first run never got two chunks to the server");
                await Task.Delay(50);
            }

            first.Kill();
        }

        var atRestart = await TestSessions.StableAsync(store.ServerApi, path);
        Assert.NotNull(atRestart);
        var missing = TestSessions.Missing(atRestart);
        Assert.InRange(missing, 1, size - 8 * MiB);
        var before = store.Proxy.BodyBytes(path);

        var second = await CliProcess.RunAsync(journal, upload);

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"resumed session {atRestart.SessionId}: {size - missing} bytes were already on the server", second.Stdout);
        var resent = store.Proxy.BodyBytes(path) - before;
        output.WriteLine($"killed with {size - missing} of {size} bytes on the server; ExpectedRanges at restart: " +
            string.Join(", ", atRestart.Ranges.Select(r => $"{r.First}-{r.Last}")) + $" = {missing} bytes; the second run sent {resent} bytes (server side)");
        Assert.Equal(missing, resent);
        Assert.Equal(ClientStoreFixture.Sha256(local), await store.BlobSha256Async(path));
        Assert.Null(await store.ServerApi.GetSessionByPathAsync(path));
    }

    [Fact]
    public async Task A_cancelled_upload_resumes_in_process_and_a_changed_file_starts_over()
    {
        const long size = 12 * MiB;
        var local = store.NewFile(size, seed: 12);
        var path = ClientStoreFixture.NewStorePath("cancelled.bin");
        var journal = TestSessions.TempDir();
        var client = store.Client();
        var options = new FileUploadOptions { ChunkSize = 2 * MiB, Parallelism = 1, ProgressInterval = TimeSpan.Zero };

        // Cancel once 4 MiB are confirmed.
        using (var cts = new CancellationTokenSource())
        {
            var cancelling = new SyncProgress<UploadProgress>(p =>
            {
                if (p.BytesConfirmed >= 4 * MiB)
                {
                    cts.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TestSessions.Uploader(client, journal).UploadAsync(local, path, options, cancelling, cts.Token));
        }

        var open = await TestSessions.StableAsync(store.ServerApi, path);
        Assert.NotNull(open);
        var held = size - TestSessions.Missing(open);
        Assert.True(held >= 4 * MiB, $"the server holds {held} bytes");

        // Same file: resumed, the received bytes are not sent again.
        var before = store.Proxy.BodyBytes(path);
        var resumed = await TestSessions.Uploader(client, journal).UploadAsync(local, path, options, null, CancellationToken.None);
        Assert.True(resumed.Resumed);
        Assert.Equal(Guid.Parse(open.SessionId), resumed.SessionId);
        Assert.Equal(held, resumed.BytesAlreadyOnServer);
        Assert.Equal(size - held, store.Proxy.BodyBytes(path) - before);
        Assert.Equal(ClientStoreFixture.Sha256(local), await store.BlobSha256Async(path));

        // Interrupt again, then change the file: the stale session is deleted and the new content goes up whole.
        using (var cts = new CancellationTokenSource())
        {
            var cancelling = new SyncProgress<UploadProgress>(p =>
            {
                if (p.BytesConfirmed >= 4 * MiB)
                {
                    cts.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TestSessions.Uploader(client, journal).UploadAsync(local, path, options, cancelling, cts.Token));
        }

        var stale = await TestSessions.StableAsync(store.ServerApi, path);
        Assert.NotNull(stale);
        using (var file = File.OpenWrite(local))
        {
            file.Position = 6 * MiB;
            file.Write(new byte[4096]); // same size, different bytes in the middle
        }

        var restarted = await TestSessions.Uploader(client, journal).UploadAsync(local, path, options, null, CancellationToken.None);
        Assert.False(restarted.Resumed);
        Assert.NotEqual(Guid.Parse(stale.SessionId), restarted.SessionId);
        Assert.Null(await store.ServerApi.GetSessionAsync(Guid.Parse(stale.SessionId)));
        Assert.Equal(ClientStoreFixture.Sha256(local), await store.BlobSha256Async(path));
    }

    [Fact]
    public async Task A_session_this_machine_did_not_start_is_refused_unless_replacing_is_asked_for()
    {
        const long size = 6 * MiB;
        var local = store.NewFile(size, seed: 6);
        var path = ClientStoreFixture.NewStorePath("foreign.bin");
        var foreign = Guid.NewGuid();
        var bytes = await File.ReadAllBytesAsync(local);
        await Fabric.AssertOkAsync(await store.ServerApi.UploadChunkAsync(path, foreign, bytes, 0, MiB - 1));
        var client = store.Client();
        var journal = TestSessions.TempDir();

        var refused = await Assert.ThrowsAsync<ImageStoreException>(() =>
            TestSessions.Uploader(client, journal).UploadAsync(local, path, null, null, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(FabricErrorCodes.UploadSessionIdConflict, refused.Code);
        Assert.Contains(foreign.ToString(), refused.Message);
        Assert.NotNull(await store.ServerApi.GetSessionAsync(foreign)); // nobody's upload was destroyed

        var replaced = await TestSessions.Uploader(client, journal).UploadAsync(local, path, new FileUploadOptions { ReplaceForeignSession = true }, null, CancellationToken.None);
        Assert.False(replaced.Resumed);
        Assert.Null(await store.ServerApi.GetSessionAsync(foreign));
        Assert.Equal(ClientStoreFixture.Sha256(local), await store.BlobSha256Async(path));
    }

    [Fact]
    public async Task An_empty_file_is_one_empty_chunk_then_a_commit()
    {
        var local = store.NewFile(0, seed: 0);
        var path = ClientStoreFixture.NewStorePath("empty.bin");
        var client = store.Client();

        var result = await TestSessions.Uploader(client, TestSessions.TempDir()).UploadAsync(local, path, null, null, CancellationToken.None);

        Assert.Equal(0, result.FileSize);
        var properties = await store.Files.GetBlobClient(path).GetPropertiesAsync();
        Assert.Equal(0, properties.Value.ContentLength);
    }
}
