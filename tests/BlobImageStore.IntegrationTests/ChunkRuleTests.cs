using System.Net;
using System.Security.Cryptography;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>Each UploadChunk rule of the issue, one test each; every refusal also checks that nothing changed.</summary>
[Collection(StoreCollection.Name)]
public sealed class ChunkRuleTests(StoreFixture store)
{
    private ImageStoreApi Api => store.Api;

    [Theory]
    [InlineData("bytes 0-9/20")]
    [InlineData("0-9/20")]
    public async Task The_bytes_unit_is_optional(string contentRange)
    {
        var session = Guid.NewGuid();

        await Fabric.AssertOkAsync(await Api.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(TestData.NewPath(), session), new ByteArrayContent(new byte[10]), contentRange));

        Assert.Equal([(10L, 19L)], (await Api.GetSessionAsync(session))!.Ranges);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bytes 0-9")]
    [InlineData("bytes nine-0/20")]
    [InlineData("bytes 9-0/20")]
    [InlineData("bytes 0-20/20")]
    [InlineData("bytes 10-20/20")]
    [InlineData("items 0-9/20")]
    public async Task Malformed_reversed_or_outside_ranges_are_range_not_satisfiable_and_start_nothing(string? contentRange)
    {
        var session = Guid.NewGuid();
        var path = TestData.NewPath();

        var response = await Api.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session), new ByteArrayContent(new byte[10]), contentRange);

        await Fabric.AssertErrorAsync(response, HttpStatusCode.BadRequest, "FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE");
        Assert.Null(await Api.GetSessionAsync(session));
        Assert.Null(await Api.GetSessionByPathAsync(path));
    }

    [Fact]
    public async Task A_content_length_other_than_the_range_is_refused_before_anything_is_staged()
    {
        var session = Guid.NewGuid();

        var message = await Fabric.AssertErrorAsync(
            await Api.UploadChunkAsync(TestData.NewPath(), session, 0, 9, 20, new byte[11]), HttpStatusCode.BadRequest, "E_INVALIDARG");

        Assert.Contains("names 10 bytes", message);
        Assert.Null(await Api.GetSessionAsync(session));
    }

    [Fact]
    public async Task A_chunked_body_shorter_than_the_range_stages_nothing_and_leaves_no_session()
    {
        var session = Guid.NewGuid();
        var path = TestData.NewPath();

        var response = await Api.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session), new ChunkedContent(new byte[150_000]), "bytes 0-199999/300000");

        await Fabric.AssertErrorAsync(response, HttpStatusCode.BadRequest, "E_INVALIDARG");
        Assert.Null(await Api.GetSessionAsync(session));
        Assert.Null(await Api.GetSessionByPathAsync(path));
    }

    [Fact]
    public async Task A_chunked_body_longer_than_the_range_is_refused_and_counts_for_nothing()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(300_000, 20);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 200_000, 299_999));

        var response = await Api.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session), new ChunkedContent(file[..150_001]), "bytes 0-149999/300000");

        await Fabric.AssertErrorAsync(response, HttpStatusCode.BadRequest, "E_INVALIDARG");
        Assert.Equal([(0L, 199_999L)], (await Api.GetSessionAsync(session))!.Ranges);
    }

    [Fact]
    public async Task Chunked_framing_and_expect_100_continue_are_accepted()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(200_000, 21);
        var session = Guid.NewGuid();
        using var request = new HttpRequestMessage(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session)) { Content = new ChunkedContent(file) };
        request.Content.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-199999/200000");
        request.Headers.ExpectContinue = true;

        await Fabric.AssertOkAsync(await Api.Http.SendAsync(request));
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));

        Assert.Equal(file, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task A_total_other_than_the_sessions_file_size_is_invalid_argument()
    {
        var path = TestData.NewPath();
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, 0, 9, 20, new byte[10]));

        var message = await Fabric.AssertErrorAsync(await Api.UploadChunkAsync(path, session, 10, 19, 21, new byte[10]), HttpStatusCode.BadRequest, "E_INVALIDARG");

        Assert.Contains("20 bytes", message);
        Assert.Equal([(10L, 19L)], (await Api.GetSessionAsync(session))!.Ranges);
    }

    [Fact]
    public async Task A_known_session_id_on_another_path_is_a_conflict()
    {
        var session = Guid.NewGuid();
        var path = TestData.NewPath();
        var other = TestData.NewPath();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, 0, 9, 20, new byte[10]));

        await Fabric.AssertErrorAsync(await Api.UploadChunkAsync(other, session, 10, 19, 20, new byte[10]), HttpStatusCode.Conflict, "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT");
        Assert.Null(await Api.GetSessionByPathAsync(other));
    }

    [Theory]
    [InlineData("")]
    [InlineData("&session-id=")]
    [InlineData("&session-id=not-a-guid")]
    [InlineData("&session-id=00000000-0000-0000-0000-000000000000")]
    public async Task A_missing_unparsable_or_zero_session_id_is_invalid_upload_session_id(string query)
    {
        var response = await Api.SendAsync(HttpMethod.Put, $"/ImageStore/{TestData.NewPath()}/$/UploadChunk?api-version=6.0{query}", new ByteArrayContent(new byte[10]), "bytes 0-9/10");
        await Fabric.AssertErrorAsync(response, HttpStatusCode.BadRequest, "FABRIC_E_INVALID_UPLOAD_SESSION_ID");

        using var get = await Api.Http.GetAsync($"/ImageStore/$/GetUploadSession?api-version=6.0{query}");
        await Fabric.AssertErrorAsync(get, HttpStatusCode.BadRequest, "FABRIC_E_INVALID_UPLOAD_SESSION_ID");
    }

    [Theory]
    [InlineData("")]
    [InlineData("&session-id=not-a-guid")]
    [InlineData("&session-id=00000000-0000-0000-0000-000000000000")]
    public async Task Commit_and_delete_answer_a_bad_session_id_with_invalid_argument(string query)
    {
        using var commit = await Api.Http.PostAsync($"/ImageStore/$/CommitUploadSession?api-version=6.0{query}", null);
        await Fabric.AssertErrorAsync(commit, HttpStatusCode.BadRequest, "E_INVALIDARG");

        using var delete = await Api.Http.DeleteAsync($"/ImageStore/$/DeleteUploadSession?api-version=6.0{query}");
        await Fabric.AssertErrorAsync(delete, HttpStatusCode.BadRequest, "E_INVALIDARG");
    }

    [Fact]
    public async Task An_exact_resend_is_accepted_and_changes_nothing()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(300_000, 22);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 149_999));

        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 149_999));

        Assert.Equal([(150_000L, 299_999L)], (await Api.GetSessionAsync(session))!.Ranges);
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 150_000, 299_999));
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));
        Assert.Equal(file, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Theory]
    [InlineData(50, 149)]
    [InlineData(0, 49)]
    [InlineData(90, 199)]
    public async Task A_chunk_overlapping_received_bytes_is_refused_naming_the_overlap(long first, long last)
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(200, 23);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 99));

        var message = await Fabric.AssertErrorAsync(await Api.UploadChunkAsync(path, session, file, first, last), HttpStatusCode.BadRequest, "FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE");

        Assert.Contains($"{first}-{Math.Min(last, 99)}", message);
        Assert.Contains("100-199", message);
        Assert.Equal([(100L, 199L)], (await Api.GetSessionAsync(session))!.Ranges);
    }

    [Fact]
    public async Task A_chunk_above_the_maximum_chunk_size_is_413_before_its_body_is_read()
    {
        var session = Guid.NewGuid();
        using var request = new HttpRequestMessage(HttpMethod.Put, ImageStoreApi.ChunkUrl(TestData.NewPath(), session))
        {
            Content = new ByteArrayContent(new byte[10]),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-100000000/300000000");

        await Fabric.AssertErrorAsync(await Api.Http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "FABRIC_E_VALUE_TOO_LARGE");
        Assert.Null(await Api.GetSessionAsync(session));
    }

    /// <summary>A chunk of several blocks is checked by the server; a chunk of one block by Blob Storage, with the client's MD5.</summary>
    [Theory]
    [InlineData(150_000)]
    [InlineData(StoreFixture.BlockSize)]
    public async Task A_body_that_does_not_match_its_content_md5_is_refused_and_counts_for_nothing(int length)
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(200_000, 24);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, length, 199_999));

        var chunk = file[..length];
        var range = $"bytes 0-{length - 1}/200000";
        var wrong = MD5.HashData(chunk);
        wrong[0] ^= 0xFF;
        var content = new ByteArrayContent(chunk);
        content.Headers.ContentMD5 = wrong;
        var message = await Fabric.AssertErrorAsync(await Api.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session), content, range), HttpStatusCode.BadRequest, "E_INVALIDARG");
        Assert.Contains("Content-MD5", message);
        Assert.Equal([(0L, length - 1L)], (await Api.GetSessionAsync(session))!.Ranges);

        var right = new ByteArrayContent(chunk);
        right.Headers.ContentMD5 = MD5.HashData(chunk);
        await Fabric.AssertOkAsync(await Api.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session), right, range));
        Assert.Empty((await Api.GetSessionAsync(session))!.ExpectedRanges);
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));
        Assert.Equal(file, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task A_second_session_on_a_path_with_an_open_session_is_a_conflict_naming_the_open_one()
    {
        var path = TestData.NewPath();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, first, 0, 9, 20, new byte[10]));

        var message = await Fabric.AssertErrorAsync(await Api.UploadChunkAsync(path, second, 0, 9, 20, new byte[10]), HttpStatusCode.Conflict, "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT");

        Assert.Contains(first.ToString(), message);
        Assert.Contains("DeleteUploadSession", message);
        Assert.Null(await Api.GetSessionAsync(second));
        Assert.Equal([(10L, 19L)], (await Api.GetSessionAsync(first))!.Ranges);

        await Fabric.AssertOkAsync(await Api.DeleteSessionAsync(first));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, second, 0, 9, 20, new byte[10]));
    }

    [Fact]
    public async Task Tiny_chunks_that_would_break_the_block_limit_are_refused_except_the_last()
    {
        // 50,000 bytes may have at most 25,000 chunks: every chunk but the last must be at least 2 bytes.
        var path = TestData.NewPath();
        var session = Guid.NewGuid();

        await Fabric.AssertErrorAsync(await Api.UploadChunkAsync(path, session, 0, 0, 50_000, new byte[1]), HttpStatusCode.BadRequest, "E_INVALIDARG");
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, 49_999, 49_999, 50_000, new byte[1]));
    }
}
