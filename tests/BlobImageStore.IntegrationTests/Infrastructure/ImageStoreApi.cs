using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace BlobImageStore.IntegrationTests.Infrastructure;

/// <summary>Raw HTTP calls to the image store, shaped as the Service Fabric clients send them.</summary>
public sealed class ImageStoreApi(Uri address) : IDisposable
{
    public HttpClient Http { get; } = new() { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };

    public static string ChunkUrl(string rawPath, Guid session, string apiVersion = "6.0") =>
        $"/ImageStore/{rawPath}/$/UploadChunk?api-version={apiVersion}&session-id={session}";

    public Task<HttpResponseMessage> UploadChunkAsync(string rawPath, Guid session, long first, long last, long total, ReadOnlyMemory<byte> body) =>
        SendAsync(HttpMethod.Put, ChunkUrl(rawPath, session), new ReadOnlyMemoryContent(body), $"bytes {first}-{last}/{total}");

    /// <summary>Sends a chunk of <paramref name="file"/>: bytes first..last.</summary>
    public Task<HttpResponseMessage> UploadChunkAsync(string rawPath, Guid session, byte[] file, long first, long last) =>
        UploadChunkAsync(rawPath, session, first, last, file.Length, file.AsMemory((int)first, (int)(last - first + 1)));

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, HttpContent? content = null, string? contentRange = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        if (contentRange is not null)
        {
            request.Content ??= new ByteArrayContent([]);
            request.Content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
        }

        return await Http.SendAsync(request);
    }

    public async Task<SessionView?> GetSessionAsync(Guid session)
    {
        using var response = await Http.GetAsync($"/ImageStore/$/GetUploadSession?api-version=6.0&session-id={session}");
        return await ReadSessionAsync(response);
    }

    public async Task<SessionView?> GetSessionByPathAsync(string rawPath)
    {
        using var response = await Http.GetAsync($"/ImageStore/{rawPath}/$/GetUploadSession?api-version=6.0");
        return await ReadSessionAsync(response);
    }

    public Task<HttpResponseMessage> CommitAsync(Guid session) =>
        Http.PostAsync($"/ImageStore/$/CommitUploadSession?api-version=6.0&session-id={session}", null);

    public Task<HttpResponseMessage> DeleteSessionAsync(Guid session) =>
        Http.DeleteAsync($"/ImageStore/$/DeleteUploadSession?api-version=6.0&session-id={session}");

    /// <summary>204 with an empty body is "no session"; 200 must be the spec's UploadSession with exactly one entry.</summary>
    public static async Task<SessionView?> ReadSessionAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            Assert.Equal(string.Empty, body);
            return null;
        }

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        SpecSchema.AssertValid(body, "UploadSession");
        // Case-sensitive, string-typed: a number where the spec says string fails here.
        var parsed = JsonSerializer.Deserialize<UploadSessionWire>(body, new JsonSerializerOptions { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow })!;
        return Assert.Single(parsed.UploadSessions);
    }

    public void Dispose() => Http.Dispose();
}

public sealed record UploadSessionWire(List<SessionView> UploadSessions);

public sealed record SessionView(string StoreRelativePath, string SessionId, string ModifiedDate, string FileSize, List<RangeView> ExpectedRanges)
{
    public IEnumerable<(long First, long Last)> Ranges => ExpectedRanges.Select(r => (long.Parse(r.StartPosition), long.Parse(r.EndPosition)));
}

public sealed record RangeView(string StartPosition, string EndPosition);

public static class Fabric
{
    /// <summary>Asserts a FabricError answer and returns its message.</summary>
    public static async Task<string> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        SpecSchema.AssertValid(body, "FabricError");
        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("Error");
        Assert.Equal(code, error.GetProperty("Code").GetString());
        var message = error.GetProperty("Message").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }

    public static async Task AssertOkAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
    }
}

public static class TestData
{
    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string NewPath(string name = "file.bin") => $"it-{Guid.NewGuid():N}/{name}";
}

/// <summary>A body that sends some bytes, then waits (to hold a request open mid-body), then the rest or fails.</summary>
public sealed class StallingContent(byte[] data, int sendFirst, Task release, bool failAfterRelease = false) : HttpContent
{
    public TaskCompletionSource FirstPartSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(data.AsMemory(0, sendFirst));
        await stream.FlushAsync();
        FirstPartSent.TrySetResult();
        await release;
        if (failAfterRelease)
        {
            throw new IOException("the client gave up mid-body");
        }

        await stream.WriteAsync(data.AsMemory(sendFirst));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = data.Length;
        return true;
    }
}

/// <summary>Chunked transfer encoding: no Content-Length.</summary>
public sealed class ChunkedContent(byte[] data) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(data).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
