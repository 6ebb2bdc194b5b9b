using System.Net;
using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.Errors;

namespace BlobImageStore.Client.Tests;

/// <summary>The typed client against the real server: each operation, FabricError mapping, and what is (not) retried.</summary>
[Collection(ClientStoreCollection.Name)]
public sealed class ClientOperationTests(ClientStoreFixture store)
{
    [Fact]
    public async Task Content_operations_round_trip()
    {
        var root = "ops-" + Guid.NewGuid().ToString("N");
        var client = store.Client();
        byte[] small = [1, 2, 3, 4, 5];
        await client.UploadFileAsync($"{root}/a/one.bin", small, default);
        await client.UploadFileAsync($"{root}\\a\\b\\two.bin", new byte[1000], default); // '\' separators are accepted

        var listing = await client.ListAsync($"{root}/a", default);
        Assert.Equal([$"{root}/a/one.bin"], listing.StoreFiles.Select(f => StorePaths.Normalize(f.StoreRelativePath)));
        Assert.Equal(5, listing.StoreFiles[0].FileSize);
        Assert.Equal([$"{root}/a/b"], listing.StoreFolders.Select(f => StorePaths.Normalize(f.StoreRelativePath)));

        Assert.Equal(1005, (await client.GetFolderSizeAsync(root, default)).FolderSize);
        Assert.True((await client.GetFolderSizeAsync(null, default)).FolderSize >= 1005);

        await client.CopyContentAsync(new CopyDescription($"{root}/a", $"{root}/copy"), default);
        Assert.Equal(2010, (await client.GetFolderSizeAsync(root, default)).FolderSize);

        await client.DeleteContentAsync($"{root}/a", default);
        var gone = await Assert.ThrowsAsync<ImageStoreException>(() => client.ListAsync($"{root}/a", default));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(ImageStoreException.DoesNotExist, gone.Code);

        var info = await client.GetInfoAsync(default);
        Assert.NotNull(info.DiskInfo);

        var rootListing = await client.ListAsync(null, default);
        Assert.Contains(rootListing.StoreFolders, f => StorePaths.Normalize(f.StoreRelativePath) == root);
    }

    [Fact]
    public async Task A_fabric_error_carries_code_message_and_status_and_a_4xx_is_sent_once()
    {
        var counter = new CountingHandler();
        var client = store.Client(counter);

        // Commit of a session that does not exist: the server's 404 FabricError.
        var missing = await Assert.ThrowsAsync<ImageStoreException>(() => client.CommitUploadSessionAsync(Guid.NewGuid(), default));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(FabricErrorCodes.FileNotFound, missing.Code);
        Assert.Contains("upload session", missing.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, counter.Requests);

        // A chunk below the server's minimum that is not the last one: 400 E_INVALIDARG, not retried.
        var tooSmall = await Assert.ThrowsAsync<ImageStoreException>(() => client.UploadChunkAsync(
            new UploadChunkRequest(ClientStoreFixture.NewStorePath(), Guid.NewGuid(), 0, 99, 100_000_000, new byte[100]), default));
        Assert.Equal(HttpStatusCode.BadRequest, tooSmall.StatusCode);
        Assert.Equal(FabricErrorCodes.InvalidArgument, tooSmall.Code);
        Assert.Equal(2, counter.Requests);

        // No session: null, not an error.
        Assert.Null(await client.GetUploadSessionAsync(Guid.NewGuid(), default));
        Assert.Empty(await client.GetUploadSessionsByPathAsync(ClientStoreFixture.NewStorePath(), default));
    }

    [Fact]
    public async Task A_transient_answer_is_retried_with_backoff_until_the_server_answers()
    {
        // Two 503s (what the server sends while Blob Storage is unavailable), then the real server.
        var flaky = new FailFirstHandler(2, HttpStatusCode.ServiceUnavailable, """{"Error":{"Code":"FABRIC_E_SERVICE_TOO_BUSY","Message":"busy"}}""");
        var client = store.Client(flaky);
        var path = ClientStoreFixture.NewStorePath("retried.bin");

        await client.UploadFileAsync(path, new byte[] { 42 }, default);

        Assert.Equal(3, flaky.Requests);
        Assert.Equal(1, (await store.Files.GetBlobClient(path).GetPropertiesAsync()).Value.ContentLength);

        // With retries used up, the transient error surfaces with its code.
        var always = new FailFirstHandler(100, HttpStatusCode.ServiceUnavailable, """{"Error":{"Code":"FABRIC_E_SERVICE_TOO_BUSY","Message":"busy"}}""");
        var giving = store.Client(always, maxRetries: 2);
        var error = await Assert.ThrowsAsync<ImageStoreException>(() => giving.GetInfoAsync(default));
        Assert.Equal("FABRIC_E_SERVICE_TOO_BUSY", error.Code);
        Assert.True(error.IsTransient);
        Assert.Equal(3, always.Requests);
    }

    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _requests;

        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Answers the first <c>failures</c> requests itself with an error status, then forwards to the real server.</summary>
    private sealed class FailFirstHandler(int failures, HttpStatusCode status, string body) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _requests;

        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _requests) <= failures
                ? Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") })
                : base.SendAsync(request, cancellationToken);
    }
}
