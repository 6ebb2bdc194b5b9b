using System.Security.Cryptography;
using System.Text.Json;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// Replays the upload-session requests of the official .NET client's wire capture
/// (../shared/clients/dotnet-client-wire.jsonl): same targets (the whole path escaped as %2F), same headers
/// (Expect: 100-continue on every request), same framing, bodies of the recorded length. The whole-file PUTs,
/// listings and the cluster manifest in the capture belong to the rest of the API and are not replayed here.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class WireReplayTests(StoreFixture store)
{
    private static readonly string[] SessionOperations = ["/$/UploadChunk", "/$/CommitUploadSession", "/$/GetUploadSession", "/$/DeleteUploadSession"];

    [Fact]
    public async Task The_dotnet_client_capture_replays_with_the_expected_answers()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Shared, "clients", "dotnet-client-wire.jsonl"))
            .Select(l => JsonSerializer.Deserialize<WireRequest>(l)!)
            .Where(r => SessionOperations.Any(op => r.Path.Contains(op, StringComparison.Ordinal)))
            .ToList();
        // The capture's huge.bin: 60,000,000 bytes in 25 MiB chunks, last chunk first.
        var huge = TestData.Bytes(60_000_000, 60);
        var small = TestData.Bytes(10, 10);

        var expected = new[] { 200, 200, 200, 200, 204, 204, 200, 400, 200 };
        Assert.Equal(expected.Length, lines.Count);

        var statuses = new List<int>();
        foreach (var request in lines)
        {
            var body = Body(request, huge, small);
            var response = await RawHttp.SendAsync(store.Server.Address, request.Method, request.Path,
                request.Headers.Select(h => (h.Key, h.Value)), body, request.Framing switch
                {
                    "content-length" => RawFraming.ContentLength,
                    "chunked" => RawFraming.Chunked,
                    _ => RawFraming.None,
                });
            statuses.Add(response.Status);
            if (request.Path.Contains("CommitUploadSession", StringComparison.Ordinal) && response.Status == 400)
            {
                Assert.Contains("\"Code\":\"E_INVALIDARG\"", response.Body);
                Assert.Contains("3-9", response.Body);
            }

            if (body.Length > 0)
            {
                Assert.True(response.SawContinue, $"no 100 Continue for {request.Path}");
            }
        }

        Assert.Equal(expected, statuses);
        var blob = (await store.Files.GetBlobClient("SampleApp/SvcPkg/Code/huge.bin").DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(SHA256.HashData(huge), SHA256.HashData(blob));
        Assert.Null(await store.Api.GetSessionAsync(Guid.Parse("11111111-2222-3333-4444-555555555555")));
    }

    private static byte[] Body(WireRequest request, byte[] huge, byte[] small)
    {
        if (request.BodyBytes == 0)
        {
            return [];
        }

        var range = request.Headers["Content-Range"].Split(' ', '-', '/');
        var first = int.Parse(range[1]);
        var source = request.Path.Contains("huge.bin", StringComparison.Ordinal) ? huge : small;
        return source.AsSpan(first, request.BodyBytes).ToArray();
    }

    private sealed record WireRequest(
        [property: System.Text.Json.Serialization.JsonPropertyName("method")] string Method,
        [property: System.Text.Json.Serialization.JsonPropertyName("path")] string Path,
        [property: System.Text.Json.Serialization.JsonPropertyName("headers")] Dictionary<string, string> Headers,
        [property: System.Text.Json.Serialization.JsonPropertyName("body_bytes")] int BodyBytes,
        [property: System.Text.Json.Serialization.JsonPropertyName("framing")] string Framing);
}
