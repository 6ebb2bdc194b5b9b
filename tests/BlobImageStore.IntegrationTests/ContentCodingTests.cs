using System.Net;
using System.Net.Sockets;
using System.Text;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// Request bodies in a content coding are refused with 415 before anything is stored (issue 15, item 10): the store
/// keeps exactly the bytes it is sent, so a body still gzip-encoded would become a corrupt file.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class ContentCodingTests(StoreFixture store)
{
    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    [InlineData("identity, gzip")]
    public async Task A_body_with_a_content_encoding_is_415_and_nothing_is_stored(string coding)
    {
        var path = TestData.NewPath();
        var content = new ByteArrayContent([1, 2, 3]);
        foreach (var each in coding.Split(", "))
        {
            content.Headers.ContentEncoding.Add(each);
        }

        var response = await store.Api.PutFileAsync(path, content);

        var message = await Fabric.AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "E_INVALIDARG");
        Assert.Contains("Content-Encoding", message);
        Assert.False(await store.Files.GetBlobClient(path).ExistsAsync());
    }

    [Fact]
    public async Task An_identity_content_encoding_is_accepted()
    {
        var path = TestData.NewPath();
        var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.ContentEncoding.Add("identity");

        await ContentApi.AssertEmptyOkAsync(await store.Api.PutFileAsync(path, content));
    }

    [Fact]
    public async Task A_chunk_with_a_content_encoding_is_415_and_the_session_receives_nothing()
    {
        var path = TestData.NewPath();
        var session = Guid.NewGuid();
        var content = new ByteArrayContent(new byte[10]);
        content.Headers.ContentEncoding.Add("gzip");

        var response = await store.Api.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(path, session), content, "bytes 0-9/10");

        await Fabric.AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "E_INVALIDARG");
        Assert.Null(await store.Api.GetSessionAsync(session));
    }

    [Fact]
    public async Task A_gzip_transfer_coding_before_chunked_is_415_and_nothing_is_stored()
    {
        var path = TestData.NewPath();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, store.Server.Address.Port);
        var stream = client.GetStream();
        var request = $"PUT /ImageStore/{path}?api-version=6.0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));

        var buffer = new byte[4096];
        var answer = Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.StartsWith("HTTP/1.1 415 ", answer);
        Assert.Contains("Transfer-Encoding", answer);
        Assert.False(await store.Files.GetBlobClient(path).ExistsAsync());
    }
}
