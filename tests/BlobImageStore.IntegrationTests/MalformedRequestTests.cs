using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>No input produces a 500: odd targets, headers and bodies all get a 4xx FabricError (or a 2xx/204).</summary>
[Collection(StoreCollection.Name)]
public sealed class MalformedRequestTests(StoreFixture store)
{
    public static TheoryData<string, string, string?, int> Requests() => new()
    {
        { "PUT", "/ImageStore/a%ZZb/$/UploadChunk?api-version=6.0&session-id=" + Guid.NewGuid(), "bytes 0-0/1", 1 },
        { "PUT", "/ImageStore/a%/$/UploadChunk?api-version=6.0&session-id=" + Guid.NewGuid(), "bytes 0-0/1", 1 },
        { "PUT", "/ImageStore/%FF%FE/$/UploadChunk?api-version=6.0&session-id=" + Guid.NewGuid(), "bytes 0-0/1", 1 },
        { "PUT", "/ImageStore/%E2%82%AC/$/UploadChunk?api-version=6.0&session-id=" + Guid.NewGuid(), "bytes 0-0/2", 1 },
        { "PUT", "/ImageStore/a/$/UploadChunk?api-version=6.0&session-id=" + Guid.NewGuid(), "bytes 0-9223372036854775807/9223372036854775807", 1 },
        { "PUT", "/ImageStore/a/$/UploadChunk?api-version=6.0&session-id=" + Guid.NewGuid(), "bytes 18446744073709551615-0/1", 1 },
        { "PUT", "/ImageStore/a/$/UploadChunk?api-version=6.0&session-id=" + Guid.NewGuid(), "bytes 0-0/1, 1-1/2", 1 },
        { "PUT", "/ImageStore/a/$/UploadChunk?api-version=6.0&session-id=" + Guid.NewGuid(), "bytes ٠-٠/١", 1 },
        { "PUT", "/ImageStore/a/$/UploadChunk?api-version=6.0&api-version=7.0&session-id=" + Guid.NewGuid(), "bytes 0-0/1", 1 },
        { "PUT", "/ImageStore/a/$/UploadChunk?api-version=6.0&session-id=" + Guid.NewGuid() + "&session-id=" + Guid.NewGuid(), "bytes 0-0/1", 1 },
        { "PUT", "/ImageStore/a/$/UploadChunk?api-version=NaN&session-id=" + Guid.NewGuid(), "bytes 0-0/1", 1 },
        { "PUT", "/ImageStore/a/$/UploadChunk?api-version=1e400&session-id=" + Guid.NewGuid(), "bytes 0-0/1", 1 },
        { "PUT", "/ImageStore/a/$/UploadChunk?api-version=6.0&timeout=-5&session-id=" + Guid.NewGuid(), "bytes 0-0/1", 1 },
        { "PUT", "/ImageStore/" + new string('x', 5000) + "/$/UploadChunk?api-version=6.0&session-id=" + Guid.NewGuid(), "bytes 0-0/1", 1 },
        { "GET", "/ImageStore/$/GetUploadSession?api-version=6.0&session-id={" + Guid.NewGuid() + "}", null, 0 },
        { "GET", "/ImageStore/$/GetUploadSession/?api-version=6.0&session-id=" + Guid.NewGuid(), null, 0 },
        { "GET", "/ImageStore/$/?api-version=6.0", null, 0 },
        { "GET", "/ImageStore/$?api-version=6.0", null, 0 },
        { "POST", "/ImageStore/$/CommitUploadSession?api-version=6.0&session-id=" + new string('1', 400), null, 0 },
        { "DELETE", "/imagestore/$/deleteuploadsession?api-version=6.0&session-id=" + Guid.NewGuid(), null, 0 },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Odd_requests_never_get_a_5xx(string method, string target, string? contentRange, int bodyLength)
    {
        var headers = contentRange is null ? [] : new[] { ("Content-Range", contentRange) };

        var response = await RawHttp.SendAsync(store.Server.Address, method, target, headers, new byte[bodyLength],
            bodyLength == 0 ? RawFraming.None : RawFraming.ContentLength);

        Assert.True(response.Status < 500, $"{response.Status} {response.Body}");
        if (response.Status >= 400)
        {
            Assert.StartsWith("{\"Error\":{\"Code\":", response.Body);
        }
    }
}
