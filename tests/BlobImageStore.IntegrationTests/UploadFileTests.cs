using System.Net;
using System.Security.Cryptography;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>UploadFile: whole files streamed to their blob, with every framing the clients use.</summary>
[Collection(StoreCollection.Name)]
public sealed class UploadFileTests(StoreFixture store)
{
    private ImageStoreApi Api => store.Api;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(StoreFixture.BlockSize)]
    [InlineData(StoreFixture.BlockSize + 1)]
    [InlineData(300_000)]
    public async Task Bodies_of_every_size_are_stored_exactly_with_content_length_or_chunked(int size)
    {
        var file = TestData.Bytes(size, size);
        var (sized, chunked) = (TestData.NewPath(), TestData.NewPath());

        await ContentApi.AssertEmptyOkAsync(await Api.PutFileAsync(sized, file));
        await ContentApi.AssertEmptyOkAsync(await Api.PutFileAsync(chunked, new ChunkedContent(file)));

        foreach (var path in new[] { sized, chunked })
        {
            var blob = store.Files.GetBlockBlobClient(path);
            var properties = (await blob.GetPropertiesAsync()).Value;
            Assert.Equal(size, properties.ContentLength);
            Assert.Equal(MD5.HashData(file), properties.ContentHash);
            Assert.Equal("application/octet-stream", properties.ContentType);
            Assert.Equal(SHA256.HashData(file), SHA256.HashData((await blob.DownloadContentAsync()).Value.Content.ToArray()));
        }
    }

    [Fact]
    public async Task A_large_body_is_staged_in_blocks_of_the_configured_size_and_committed_once()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(5 * StoreFixture.BlockSize + 123, 7);

        await Api.PutFileOkAsync(path, file);

        var blocks = (await store.Files.GetBlockBlobClient(path).GetBlockListAsync(BlockListTypes.All)).Value;
        Assert.Equal(6, blocks.CommittedBlocks.Count());
        Assert.Empty(blocks.UncommittedBlocks);
        Assert.All(blocks.CommittedBlocks.SkipLast(1), b => Assert.Equal(StoreFixture.BlockSize, b.SizeLong));
    }

    [Fact]
    public async Task A_new_upload_replaces_the_file()
    {
        var path = TestData.NewPath();
        await Api.PutFileOkAsync(path, TestData.Bytes(200_000, 1));
        var second = TestData.Bytes(10, 2);

        await Api.PutFileOkAsync(path, second);

        Assert.Equal(second, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Mark_files_are_empty_files_in_the_listing()
    {
        var folder = $"it-{Guid.NewGuid():N}";

        await Api.PutFileOkAsync($"{folder}/_.dir", []);

        var mark = (await Api.ListOkAsync(folder)).File(Win.Path($"{folder}/_.dir"));
        Assert.Equal("0", mark.FileSize);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(200_000)]
    public async Task Content_MD5_is_verified_and_a_mismatch_leaves_the_old_file(int size)
    {
        var path = TestData.NewPath();
        var old = TestData.Bytes(50, 3);
        await Api.PutFileOkAsync(path, old);
        var file = TestData.Bytes(size, 4);

        var wrong = await Api.PutFileAsync(path, file, Convert.ToBase64String(MD5.HashData(old)));
        var message = await Fabric.AssertErrorAsync(wrong, HttpStatusCode.BadRequest, "E_INVALIDARG");
        Assert.Contains("Content-MD5", message);
        Assert.Equal(old, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());

        await ContentApi.AssertEmptyOkAsync(await Api.PutFileAsync(path, file, Convert.ToBase64String(MD5.HashData(file))));
        Assert.Equal(file, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task A_malformed_Content_MD5_is_invalid_argument_and_stores_nothing()
    {
        var path = TestData.NewPath();

        await Fabric.AssertErrorAsync(await Api.PutFileAsync(path, [1, 2, 3], "not-base64"), HttpStatusCode.BadRequest, "E_INVALIDARG");

        Assert.False(await store.Files.GetBlobClient(path).ExistsAsync());
    }

    [Fact]
    public async Task Uploading_onto_a_path_with_an_open_session_is_409_and_the_session_completes_afterwards()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(200, 5);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 99));

        var message = await Fabric.AssertErrorAsync(await Api.PutFileAsync(path, TestData.Bytes(10, 6)), HttpStatusCode.Conflict, "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT");

        Assert.Contains(session.ToString(), message);
        Assert.Contains("DeleteUploadSession", message);
        Assert.False(await store.Files.GetBlobClient(path).ExistsAsync());
        Assert.Equal([(100L, 199L)], (await Api.GetSessionAsync(session))!.Ranges);
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 100, 199));
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));
        Assert.Equal(file, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task The_409_comes_before_the_body_is_sent()
    {
        var path = TestData.NewPath();
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, TestData.Bytes(10, 8), 0, 4));

        var response = await RawHttp.SendAsync(store.Server.Address, "PUT", $"/ImageStore/{Uri.EscapeDataString(path)}?api-version=6.0",
            [("Expect", "100-continue"), ("Content-Type", "application/octet-stream")], new byte[1_000_000], RawFraming.ContentLength);

        Assert.Equal(409, response.Status);
        Assert.False(response.SawContinue);
        SpecSchema.AssertValid(response.Body, "FabricError");
    }

    [Theory]
    [InlineData("dir./file.txt")]
    [InlineData("dir/file.")]
    [InlineData("dir/...")]
    [InlineData("dir/%EE%80%80.txt")]
    [InlineData("dir/%EF%BF%BF.txt")]
    public async Task Names_Azure_refuses_are_400_naming_the_fix_and_store_nothing(string name)
    {
        var folder = $"it-{Guid.NewGuid():N}";

        var response = await RawHttp.SendAsync(store.Server.Address, "PUT", $"/ImageStore/{folder}/{name}?api-version=6.0", [], new byte[3], RawFraming.ContentLength);

        Assert.Equal(400, response.Status);
        SpecSchema.AssertValid(response.Body, "FabricError");
        Assert.Contains("FABRIC_E_INVALID_NAME_URI", response.Body);
        Assert.Empty(await ToListAsync(store.Files.GetBlobsAsync(BlobTraits.None, BlobStates.None, folder, CancellationToken.None)));
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_413_before_the_body_is_read()
    {
        // 50,000 blocks of the fixture's 64 KiB: 3,276,800,000 bytes.
        var response = await RawHttp.SendAsync(store.Server.Address, "PUT", $"/ImageStore/{TestData.NewPath()}?api-version=6.0",
            [("Expect", "100-continue")], ReadOnlyMemory<byte>.Empty, RawFraming.ContentLength, declaredLength: 3_276_800_001);

        Assert.Equal(413, response.Status);
        Assert.Contains("FABRIC_E_VALUE_TOO_LARGE", response.Body);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
