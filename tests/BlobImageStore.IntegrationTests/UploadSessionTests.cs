using System.Net;
using System.Security.Cryptography;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>The upload-session lifecycle over real HTTP, against the real server and Azurite.</summary>
[Collection(StoreCollection.Name)]
public sealed class UploadSessionTests(StoreFixture store)
{
    private ImageStoreApi Api => store.Api;

    [Fact]
    public async Task Chunks_out_of_order_commit_to_an_ordinary_block_blob_with_exactly_the_file_bytes()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(300_000, 1);
        var session = Guid.NewGuid();

        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 200_000, 299_999));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 99_999));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 100_000, 199_999));
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));

        var blob = store.Files.GetBlockBlobClient(path);
        var properties = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal(BlobType.Block, properties.BlobType);
        Assert.Equal(file.Length, properties.ContentLength);
        Assert.Equal(SHA256.HashData(file), SHA256.HashData((await blob.DownloadContentAsync()).Value.Content.ToArray()));
        var blocks = (await blob.GetBlockListAsync(BlockListTypes.All)).Value;
        Assert.Equal((int)Math.Ceiling(100_000.0 / StoreFixture.BlockSize) * 3, blocks.CommittedBlocks.Count());
        Assert.Null(await Api.GetSessionAsync(session));
    }

    [Fact]
    public async Task A_new_session_expects_everything_and_then_only_the_gaps()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(2_097_152, 2);
        var session = Guid.NewGuid();

        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 402_129, 730_104));
        var byId = await Api.GetSessionAsync(session);
        var byPath = await Api.GetSessionByPathAsync(path);

        Assert.NotNull(byId);
        Assert.Equal([(0L, 402_128L), (730_105L, 2_097_151L)], byId.Ranges);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(byId), System.Text.Json.JsonSerializer.Serialize(byPath));
        Assert.Equal(session.ToString(), byId.SessionId);
        Assert.Equal("2097152", byId.FileSize);
        Assert.Equal(path.Replace('/', '\\'), byId.StoreRelativePath);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", byId.ModifiedDate);
    }

    [Fact]
    public async Task Modified_date_is_the_last_record_write_and_never_moves_back()
    {
        // Since issue #14 chunks do not write the session record each (docs/protocol.md, "Acknowledgement"): ModifiedDate
        // is the time of the last record write (the first chunk's, then one every few minutes), not of every chunk.
        var path = TestData.NewPath();
        var file = TestData.Bytes(20, 3);
        var session = Guid.NewGuid();

        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 9));
        var first = DateTimeOffset.Parse((await Api.GetSessionAsync(session))!.ModifiedDate);
        await Task.Delay(50);
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 10, 19));
        var second = DateTimeOffset.Parse((await Api.GetSessionAsync(session))!.ModifiedDate);

        Assert.True(second >= first, $"{second:O} should not be before {first:O}");
        Assert.True(second <= DateTimeOffset.UtcNow.AddSeconds(30), $"{second:O} is in the future");
    }

    [Fact]
    public async Task No_session_is_204_with_an_empty_body_by_id_and_by_path()
    {
        Assert.Null(await Api.GetSessionAsync(Guid.NewGuid()));
        Assert.Null(await Api.GetSessionByPathAsync(TestData.NewPath()));
    }

    [Theory]
    [InlineData("%2F")]
    [InlineData("%5C")]
    [InlineData("/")]
    public async Task Every_path_separator_form_reaches_the_same_session_and_blob(string separator)
    {
        var folder = $"it-{Guid.NewGuid():N}";
        var file = TestData.Bytes(10, 4);
        var session = Guid.NewGuid();

        await Fabric.AssertOkAsync(await Api.UploadChunkAsync($"{folder}{separator}a{separator}b.bin", session, file, 0, 4));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync($"{folder}/a/b.bin", session, file, 5, 9));
        Assert.NotNull(await Api.GetSessionByPathAsync($"{folder}%2Fa%2Fb.bin"));
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));

        Assert.True((await store.Files.GetBlobClient($"{folder}/a/b.bin").ExistsAsync()).Value);
    }

    [Fact]
    public async Task Committing_an_incomplete_session_names_the_missing_ranges_and_keeps_it_resumable()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(1000, 5);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 399));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 600, 999));

        var message = await Fabric.AssertErrorAsync(await Api.CommitAsync(session), HttpStatusCode.BadRequest, "E_INVALIDARG");

        Assert.Contains("400-599", message);
        Assert.Equal([(400L, 599L)], (await Api.GetSessionAsync(session))!.Ranges);
        Assert.False((await store.Files.GetBlobClient(path).ExistsAsync()).Value);

        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 400, 599));
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));
        Assert.Equal(file, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Committing_again_is_200_and_committing_an_unknown_session_is_404()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(10, 6);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 9));
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));

        await Fabric.AssertOkAsync(await Api.CommitAsync(session));
        await Fabric.AssertErrorAsync(await Api.CommitAsync(Guid.NewGuid()), HttpStatusCode.NotFound, "FABRIC_E_FILE_NOT_FOUND");
    }

    [Fact]
    public async Task A_commit_replaces_an_existing_file()
    {
        var path = TestData.NewPath();
        await store.Files.GetBlobClient(path).UploadAsync(BinaryData.FromString("old content"));
        var file = TestData.Bytes(50, 7);
        var session = Guid.NewGuid();

        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 49));
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));

        Assert.Equal(file, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task A_zero_byte_file_is_uploaded_as_the_range_0_0_of_0_and_committed_as_an_empty_blob()
    {
        var path = TestData.NewPath("empty.txt");
        var session = Guid.NewGuid();

        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, 0, 0, 0, ReadOnlyMemory<byte>.Empty));
        var status = await Api.GetSessionAsync(session);
        Assert.Equal("0", status!.FileSize);
        Assert.Empty(status.ExpectedRanges);
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));

        var properties = (await store.Files.GetBlobClient(path).GetPropertiesAsync()).Value;
        Assert.Equal(0, properties.ContentLength);
        Assert.Equal(BlobType.Block, properties.BlobType);
    }

    [Fact]
    public async Task A_zero_byte_file_refuses_a_body()
    {
        var session = Guid.NewGuid();

        await Fabric.AssertErrorAsync(
            await Api.UploadChunkAsync(TestData.NewPath(), session, 0, 0, 0, new byte[] { 1 }),
            HttpStatusCode.BadRequest, "E_INVALIDARG");
        Assert.Null(await Api.GetSessionAsync(session));
    }

    [Fact]
    public async Task Deleting_a_session_leaves_a_tombstone_no_claim_and_no_blob()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(200_000, 8);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 149_999));

        await Fabric.AssertOkAsync(await Api.DeleteSessionAsync(session));

        Assert.Null(await Api.GetSessionAsync(session));
        Assert.Null(await Api.GetSessionByPathAsync(path));
        Assert.False((await store.Files.GetBlobClient(path).ExistsAsync()).Value);
        Assert.Contains("deleted", await Fabric.AssertErrorAsync(await Api.CommitAsync(session), HttpStatusCode.NotFound, "FABRIC_E_FILE_NOT_FOUND"));
        await Fabric.AssertOkAsync(await Api.DeleteSessionAsync(session));
        var names = new List<string>();
        await foreach (var item in store.Sessions.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, CancellationToken.None))
        {
            if (item.Name.Contains(session.ToString()) || item.Name.EndsWith(path, StringComparison.Ordinal))
            {
                names.Add(item.Name);
            }
        }

        // Only the tombstone is left: it answers late chunks and commits for the tombstone retention.
        Assert.Equal([$"sessions/{session}.json"], names);
    }

    [Fact]
    public async Task Deleting_a_session_never_touches_the_committed_file_at_its_path()
    {
        var path = TestData.NewPath();
        var committed = await store.Files.GetBlobClient(path).UploadAsync(BinaryData.FromString("committed"));
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, TestData.Bytes(100, 9), 0, 49));

        await Fabric.AssertOkAsync(await Api.DeleteSessionAsync(session));

        var download = (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value;
        Assert.Equal("committed", download.Content.ToString());
        Assert.Equal(committed.Value.ETag, download.Details.ETag);
    }

    [Fact]
    public async Task A_session_id_reused_after_delete_is_refused_and_a_new_id_never_sees_the_old_bytes()
    {
        // Azurite keeps uncommitted blocks across delete (Azure drops them); the session key in every block ID is what
        // keeps the old bytes out of a new session on both.
        var path = TestData.NewPath();
        var oldFile = TestData.Bytes(100, 10);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, oldFile, 0, 49));
        await Fabric.AssertOkAsync(await Api.DeleteSessionAsync(session));

        var newFile = TestData.Bytes(100, 11);
        await Fabric.AssertErrorAsync(await Api.UploadChunkAsync(path, session, newFile, 50, 99), HttpStatusCode.NotFound, "FABRIC_E_FILE_NOT_FOUND");
        var next = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, next, newFile, 50, 99));

        Assert.Equal([(0L, 49L)], (await Api.GetSessionAsync(next))!.Ranges);
        await Fabric.AssertErrorAsync(await Api.CommitAsync(next), HttpStatusCode.BadRequest, "E_INVALIDARG");
    }

    [Fact]
    public async Task A_session_id_reused_after_commit_is_refused_saying_it_was_committed()
    {
        var path = TestData.NewPath();
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, TestData.Bytes(10, 12), 0, 9));
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));

        var message = await Fabric.AssertErrorAsync(await Api.UploadChunkAsync(path, session, TestData.Bytes(20, 13), 0, 9), HttpStatusCode.Conflict, "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT");

        Assert.Contains("committed", message);
        Assert.Null(await Api.GetSessionAsync(session));
        await Fabric.AssertOkAsync(await Api.CommitAsync(session));
    }
}
