using System.Net;
using System.Security.Cryptography;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// Regression tests for the failures measured in issue #10 ("Acknowledged bytes are final"), each over real HTTP to
/// real server processes on one Azurite. Failure 7 (Delete, Copy and Info reading every open session in the store) is
/// a cost, measured by the benchmark program (<c>bench/ --sessions</c>) and counted in the unit tests over the
/// in-memory store, not timed here.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class MeasuredFailureTests(StoreFixture store)
{
    private ImageStoreApi Api => store.Api;

    /// <summary>Failure 1: a damaged re-send on another instance (whose memory of the session is older) must not
    /// overwrite the blocks of the chunk that was acknowledged.</summary>
    [Fact]
    public async Task F1_a_damaged_resend_on_a_second_instance_leaves_the_acknowledged_bytes_in_the_commit()
    {
        await using var second = await ServerProcess.StartAsync(store.Azurite.ConnectionString, StoreFixture.ServerSettings);
        using var other = new ImageStoreApi(second.Address);
        var path = TestData.NewPath();
        var file = TestData.Bytes(600_000, 11);
        var session = Guid.NewGuid();

        // The second instance learns the session first (it remembers what it saw), then the first instance takes chunk 0.
        await Fabric.AssertOkAsync(await other.UploadChunkAsync(path, session, file, 300_000, 599_999));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 299_999));

        var damaged = file[..300_000];
        damaged[123_456] ^= 0xFF;
        using var resend = await SendChunkAsync(other, path, session, damaged, 0, file.Length, MD5.HashData(file.AsSpan(0, 300_000)));
        Assert.Equal(HttpStatusCode.BadRequest, resend.StatusCode);

        Assert.Empty((await Api.GetSessionAsync(session))!.ExpectedRanges);
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));
        await AssertBlobAsync(path, file);
    }

    /// <summary>Failure 1, one instance: the damaged duplicate starts before the original's 200 arrives.</summary>
    [Fact]
    public async Task F1_a_damaged_duplicate_racing_the_original_on_one_instance_leaves_the_original_bytes()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(400_000, 12);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 300_000, 399_999));

        var release = new TaskCompletionSource();
        var original = new StallingContent(file[..300_000], 200_000, release.Task);
        var sending = SendContentAsync(Api, path, session, original, 0, 299_999, file.Length, md5: null);
        await original.FirstPartSent.Task;
        await Task.Delay(500); // let the server stage what it has read

        var damaged = file[..300_000];
        damaged[1_000] ^= 0xFF;
        using (var duplicate = await SendChunkAsync(Api, path, session, damaged, 0, file.Length, MD5.HashData(file.AsSpan(0, 300_000))))
        {
            Assert.NotEqual(HttpStatusCode.OK, duplicate.StatusCode);
        }

        release.SetResult();
        using var answer = await sending;
        await Fabric.AssertOkAsync(answer);
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));
        await AssertBlobAsync(path, file);
    }

    /// <summary>Failure 2: bytes planted by someone else are never confirmed as the owner's "exact re-send".</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task F2_a_resend_with_other_bytes_than_the_received_ones_is_409_naming_the_range(bool withMd5)
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(200_000, 13);
        var planted = TestData.Bytes(100_000, 14);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 100_000, 199_999));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, 0, 99_999, file.Length, planted));

        using var victim = await SendChunkAsync(Api, path, session, file[..100_000], 0, file.Length,
            withMd5 ? MD5.HashData(file.AsSpan(0, 100_000)) : null);

        var message = await Fabric.AssertErrorAsync(victim, HttpStatusCode.Conflict, "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT");
        Assert.Contains("0-99999", message);

        // The same bytes again are a true re-send: 200.
        using var same = await SendChunkAsync(Api, path, session, planted, 0, file.Length, withMd5 ? MD5.HashData(planted) : null);
        await Fabric.AssertOkAsync(same);
    }

    /// <summary>Failure 3: UploadFile passes its check, then a session acknowledges a chunk on the path, then the
    /// UploadFile writes. Both may not succeed: the acknowledged chunk would be dropped.</summary>
    [Fact]
    public async Task F3_an_uploadfile_in_flight_and_a_new_session_on_its_path_never_both_succeed()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(100_000, 15);
        var session = Guid.NewGuid();
        var release = new TaskCompletionSource();
        var body = new StallingContent(TestData.Bytes(50_000, 16), 10_000, release.Task);
        var uploading = Api.Http.PutAsync($"/ImageStore/{path}?api-version=6.0", body);
        await body.FirstPartSent.Task;
        await Task.Delay(300);

        using var chunk = await Api.UploadChunkAsync(path, session, file, 0, 49_999);
        release.SetResult();
        using var upload = await uploading;

        Assert.False(chunk.StatusCode == HttpStatusCode.OK && upload.StatusCode == HttpStatusCode.OK,
            $"chunk {(int)chunk.StatusCode}, UploadFile {(int)upload.StatusCode}: the UploadFile wrote over a session's acknowledged chunk");
        Assert.True((int)upload.StatusCode < 500 && (int)chunk.StatusCode < 500);
        if (chunk.StatusCode == HttpStatusCode.OK)
        {
            Assert.Equal([(50_000L, 99_999L)], (await Api.GetSessionAsync(session))!.Ranges);
        }
        else
        {
            await Fabric.AssertErrorAsync(chunk, HttpStatusCode.Conflict, "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT");
        }
    }

    /// <summary>Failure 4: no reader sees a 0-byte file while (or after) a session is deleted.</summary>
    [Fact]
    public async Task F4_deleting_sessions_never_shows_a_file_to_readers()
    {
        var folder = $"it-{Guid.NewGuid():N}";
        var seen = 0;
        for (var run = 0; run < 30; run++)
        {
            var path = $"{folder}/f{run}.bin";
            var session = Guid.NewGuid();
            await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, TestData.Bytes(1000, run), 0, 499));

            using var stop = new CancellationTokenSource();
            var blob = store.Files.GetBlobClient(path);
            var watching = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if ((await blob.ExistsAsync()).Value)
                    {
                        Interlocked.Increment(ref seen);
                    }
                }
            });
            await Fabric.AssertOkAsync(await Api.DeleteSessionAsync(session));
            await stop.CancelAsync();
            await watching;
            Assert.False((await blob.ExistsAsync()).Value);
        }

        Assert.Equal(0, seen);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.ListAsync(folder)).Status);
    }

    /// <summary>Failure 5: a commit racing a DeleteUploadSession on two instances ends in defined answers, and the
    /// commit's answer is the truth about the file.</summary>
    [Fact]
    public async Task F5_commit_racing_delete_session_on_two_instances_never_answers_5xx()
    {
        await using var second = await ServerProcess.StartAsync(store.Azurite.ConnectionString, StoreFixture.ServerSettings);
        using var other = new ImageStoreApi(second.Address);
        var file = TestData.Bytes(200_000, 17);
        for (var run = 0; run < 20; run++)
        {
            var path = TestData.NewPath($"race-{run}.bin");
            var session = Guid.NewGuid();
            await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 199_999));

            var commit = Api.CommitAsync(session);
            var delete = other.DeleteSessionAsync(session);
            using var committed = await commit;
            using var deleted = await delete;

            Assert.True((int)committed.StatusCode < 500, $"commit: {(int)committed.StatusCode} {await committed.Content.ReadAsStringAsync()}");
            Assert.True((int)deleted.StatusCode < 500, $"delete: {(int)deleted.StatusCode} {await deleted.Content.ReadAsStringAsync()}");
            var exists = (await store.Files.GetBlobClient(path).ExistsAsync()).Value;
            Assert.Equal(committed.StatusCode == HttpStatusCode.OK, exists);
            if (exists)
            {
                await AssertBlobAsync(path, file);
            }
        }
    }

    /// <summary>Failure 6: a late chunk after DeleteUploadSession is told the session was deleted; it never starts a
    /// new, empty session with that id.</summary>
    [Fact]
    public async Task F6_a_chunk_after_delete_session_is_refused_and_starts_no_session()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(200_000, 18);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 99_999));
        await Fabric.AssertOkAsync(await Api.DeleteSessionAsync(session));

        using var late = await Api.UploadChunkAsync(path, session, file, 100_000, 199_999);

        Assert.Contains(late.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.Conflict });
        Assert.Contains("deleted", await late.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Null(await Api.GetSessionAsync(session));
        Assert.Null(await Api.GetSessionByPathAsync(path));
    }

    /// <summary>Failure 6: a session does not expire while one of its chunks is being received.</summary>
    [Fact]
    public async Task F6_a_chunk_streaming_past_the_expiry_is_accepted_and_keeps_the_earlier_chunks()
    {
        await using var iso = await IsolatedStore.StartAsync(store, new Dictionary<string, string>
        {
            ["ImageStore__SessionExpiry"] = "00:00:03",
            ["ImageStore__CleanupInterval"] = "00:00:00.500",
        });
        var path = TestData.NewPath();
        var file = TestData.Bytes(200_000, 19);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await iso.Api.UploadChunkAsync(path, session, file, 0, 99_999));

        var release = new TaskCompletionSource();
        var body = new StallingContent(file[100_000..], 10_000, release.Task);
        var sending = SendContentAsync(iso.Api, path, session, body, 100_000, 199_999, file.Length, md5: null);
        await body.FirstPartSent.Task;
        await Task.Delay(TimeSpan.FromSeconds(5));
        release.SetResult();

        using var answer = await sending;
        await Fabric.AssertOkAsync(answer);
        await Fabric.AssertOkAsync(await iso.Api.CommitAsync(session));
        var blob = (await iso.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(SHA256.HashData(file), SHA256.HashData(blob));
    }

    private async Task AssertBlobAsync(string path, byte[] file)
    {
        var blob = (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(file.Length, blob.Length);
        var first = Enumerable.Range(0, file.Length).FirstOrDefault(i => file[i] != blob[i], -1);
        Assert.True(first < 0, $"the committed blob differs from the file at byte {first}");
    }

    private static Task<HttpResponseMessage> SendChunkAsync(ImageStoreApi api, string path, Guid session, byte[] body, long first, long total, byte[]? md5) =>
        SendContentAsync(api, path, session, new ByteArrayContent(body), first, first + body.Length - 1, total, md5);

    private static async Task<HttpResponseMessage> SendContentAsync(ImageStoreApi api, string path, Guid session, HttpContent content, long first, long last, long total, byte[]? md5)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session)) { Content = content };
        content.Headers.TryAddWithoutValidation("Content-Range", $"bytes {first}-{last}/{total}");
        if (md5 is not null)
        {
            content.Headers.ContentMD5 = md5;
        }

        return await api.Http.SendAsync(request);
    }
}
