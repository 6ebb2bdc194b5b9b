using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// Replays every request of the real clients' wire captures (spec/clients/*.jsonl) against the server: same
/// targets (the .NET client escapes the whole path as %2F; sfctl sends '/' and encodes each segment), same headers
/// (the .NET client's Expect: 100-continue on every request), same framing (sfctl's chunked empty body), bodies of the
/// recorded length. Each answer is checked: its status, a 200 body against its spec definition (or empty for the
/// operations without one), an error body against FabricError, and what the store then holds.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class WireReplayTests(StoreFixture store)
{
    private const string Package = "SampleApp";

    [Fact]
    public async Task The_dotnet_client_capture_replays_with_the_expected_answers()
    {
        var requests = Load("dotnet-client-wire.jsonl");
        // The capture's huge.bin: 60,000,000 bytes in 25 MiB chunks, last chunk first; x.bin: 10 bytes, one chunk sent.
        var huge = TestData.Bytes(60_000_000, 60);
        var small = TestData.Bytes(10, 10);
        int[] expected =
        [
            200,                     // GET /$/GetClusterManifest
            200, 200, 200, 200, 200, // whole-file PUTs (big.bin, empty.txt, with space.txt, ServiceManifest.xml, ApplicationManifest.xml)
            200, 200, 200, 200,      // huge.bin: three chunks, commit
            200, 200, 200, 200,      // _.dir marks, deepest folder first
            200,                     // GET SampleApp/SvcPkg listing (api-version 6.2)
            204, 204,                // GetUploadSession by id (unknown) and by path (committed)
            200, 400, 200,           // x.bin: one chunk of three bytes, commit refused (3-9 missing), session deleted
            200,                     // FolderSize of SampleApp
            200, 200,                // one byte.txt, then DELETE SampleApp
            404,                     // GET missing/thing: 404 with no body
        ];
        Assert.Equal(expected.Length, requests.Count);
        await CleanAsync();

        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            var body = Body(request, huge, small);
            var response = await SendAsync(request, body);

            Assert.True(expected[i] == response.Status, $"#{i} {request.Method} {request.Path}: expected {expected[i]}, got {response.Status} {response.Body}");
            AssertBody(request, response);
            if (body.Length > 0)
            {
                Assert.True(response.SawContinue, $"no 100 Continue for {request.Path}");
            }

            if (request.Path.Contains("/$/CommitUploadSession", StringComparison.Ordinal) && response.Status == 400)
            {
                Assert.Contains("\"Code\":\"E_INVALIDARG\"", response.Body);
                Assert.Contains("3-9", response.Body);
            }

            if (request.Path.Contains("/$/CommitUploadSession", StringComparison.Ordinal) && response.Status == 200)
            {
                var blob = (await store.Files.GetBlobClient($"{Package}/SvcPkg/Code/huge.bin").DownloadContentAsync()).Value.Content.ToArray();
                Assert.Equal(SHA256.HashData(huge), SHA256.HashData(blob));
            }

            if (request.Path.StartsWith("/$/GetClusterManifest", StringComparison.Ordinal))
            {
                var manifest = JsonDocument.Parse(response.Body).RootElement.GetProperty("Manifest").GetString()!;
                Assert.Equal("fabric:ImageStore", ClusterManifestTests.ImageStoreConnectionString(manifest));
            }

            if (request.Method == "GET" && request.Path.StartsWith($"/ImageStore/{Package}%2FSvcPkg?", StringComparison.Ordinal))
            {
                var listing = ContentApi.Parse<ContentView>(response.Body, "ImageStoreContent");
                Assert.Equal([("SampleApp\\SvcPkg\\ServiceManifest.xml", "19"), ("SampleApp\\SvcPkg\\_.dir", "0")],
                    listing.StoreFiles.Select(f => (f.StoreRelativePath, f.FileSize)).Order());
                Assert.Equal([("SampleApp\\SvcPkg\\Code", "3"), ("SampleApp\\SvcPkg\\Config", "3")],
                    listing.StoreFolders.Select(f => (f.StoreRelativePath, f.FileCount)).Order());
            }

            if (request.Path.Contains("/$/FolderSize", StringComparison.Ordinal))
            {
                var size = ContentApi.Parse<FolderSizeView>(response.Body, "FolderSizeInfo");
                Assert.Equal((Package, (3_000_000 + 0 + 3 + 19 + 23 + 60_000_000).ToString()), (size.StoreRelativePath, size.FolderSize));
            }

            if (request.Method == "GET" && request.Path.StartsWith("/ImageStore/missing", StringComparison.Ordinal))
            {
                Assert.Equal(string.Empty, response.Body);
                Assert.False(response.Headers.ContainsKey("Content-Type"));
            }
        }

        Assert.Null(await store.Api.GetSessionAsync(Guid.Parse("11111111-2222-3333-4444-555555555555")));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await store.Api.ListAsync(Package)).Status);
    }

    [Fact]
    public async Task The_sfctl_capture_replays_and_leaves_the_package_tree_with_its_mark_files()
    {
        var requests = Load("sfctl-upload-wire.jsonl");
        Assert.Equal(9, requests.Count);
        Assert.Contains(requests, r => r.Framing == "chunked" && r.BodyBytes == 0);
        await CleanAsync();

        foreach (var request in requests)
        {
            var response = await SendAsync(request, Body(request, [], []));

            Assert.True(response.Status == 200, $"{request.Method} {request.Path}: {response.Status} {response.Body}");
            AssertBody(request, response);
        }

        var package = await store.Api.ListOkAsync(Package);
        Assert.Equal([("SampleApp\\ApplicationManifest.xml", "23"), ("SampleApp\\_.dir", "0")], package.StoreFiles.Select(f => (f.StoreRelativePath, f.FileSize)).Order());
        Assert.Equal([("SampleApp\\SvcPkg", "7")], package.StoreFolders.Select(f => (f.StoreRelativePath, f.FileCount)));

        var service = await store.Api.ListOkAsync($"{Package}/SvcPkg");
        Assert.Equal(["SampleApp\\SvcPkg\\ServiceManifest.xml", "SampleApp\\SvcPkg\\_.dir"], service.StoreFiles.Select(f => f.StoreRelativePath).Order());
        Assert.Equal([("SampleApp\\SvcPkg\\Code", "2"), ("SampleApp\\SvcPkg\\Config", "3")], service.StoreFolders.Select(f => (f.StoreRelativePath, f.FileCount)).Order());

        var config = await store.Api.ListOkAsync($"{Package}/SvcPkg/Config");
        Assert.Equal([("SampleApp\\SvcPkg\\Config\\_.dir", "0"), ("SampleApp\\SvcPkg\\Config\\empty.txt", "0"), ("SampleApp\\SvcPkg\\Config\\with space.txt", "3")],
            config.StoreFiles.Select(f => (f.StoreRelativePath, f.FileSize)).Order());

        var big = requests.Single(r => r.Path.Contains("big.bin", StringComparison.Ordinal));
        Assert.Equal(Body(big, [], []), (await store.Files.GetBlobClient($"{Package}/SvcPkg/Code/big.bin").DownloadContentAsync()).Value.Content.ToArray());
        await CleanAsync();
    }

    private async Task CleanAsync() => await ContentApi.AssertEmptyOkAsync(await store.Api.DeleteContentAsync(Package));

    private Task<RawResponse> SendAsync(WireRequest request, byte[] body) =>
        RawHttp.SendAsync(store.Server.Address, request.Method, request.Path, request.Headers.Select(h => (h.Key, h.Value)), body, request.Framing switch
        {
            "content-length" => RawFraming.ContentLength,
            "chunked" => RawFraming.Chunked,
            _ => RawFraming.None,
        });

    /// <summary>A 200 body against its spec definition (empty for operations without one); an error body against FabricError.</summary>
    private static void AssertBody(WireRequest request, RawResponse response)
    {
        if (response.Status is 204 or 404 && response.Body.Length == 0)
        {
            return;
        }

        if (response.Status != 200)
        {
            SpecSchema.AssertValid(response.Body, "FabricError");
            return;
        }

        var path = request.Path[..request.Path.IndexOf('?')];
        string? definition = path switch
        {
            "/$/GetClusterManifest" => "ClusterManifest",
            _ when path.EndsWith("/$/GetUploadSession", StringComparison.Ordinal) => "UploadSession",
            _ when path.EndsWith("/$/FolderSize", StringComparison.Ordinal) => "FolderSizeInfo",
            _ when path.EndsWith("/$/Info", StringComparison.Ordinal) => "ImageStoreInfo",
            _ when request.Method == "GET" && !path.Contains("/$/", StringComparison.Ordinal) => "ImageStoreContent",
            _ => null,
        };
        if (definition is null)
        {
            Assert.Equal(string.Empty, response.Body);
        }
        else
        {
            SpecSchema.AssertValid(response.Body, definition);
        }
    }

    /// <summary>The body of the recorded length: a slice of the file for chunks, deterministic bytes per path for whole files.</summary>
    private static byte[] Body(WireRequest request, byte[] huge, byte[] small)
    {
        if (request.BodyBytes == 0)
        {
            return [];
        }

        if (request.Headers.TryGetValue("Content-Range", out var contentRange))
        {
            var first = int.Parse(contentRange.Split(' ', '-', '/')[1]);
            var source = request.Path.Contains("huge.bin", StringComparison.Ordinal) ? huge : small;
            return source.AsSpan(first, request.BodyBytes).ToArray();
        }

        var file = Uri.UnescapeDataString(request.Path[..request.Path.IndexOf('?')]);
        return TestData.Bytes(request.BodyBytes, BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(file.Replace('\\', '/')))));
    }

    private static List<WireRequest> Load(string capture) =>
        File.ReadAllLines(Path.Combine(RepoPaths.Spec, "clients", capture))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonSerializer.Deserialize<WireRequest>(l)!)
            .ToList();

    private sealed record WireRequest(
        [property: System.Text.Json.Serialization.JsonPropertyName("method")] string Method,
        [property: System.Text.Json.Serialization.JsonPropertyName("path")] string Path,
        [property: System.Text.Json.Serialization.JsonPropertyName("headers")] Dictionary<string, string> Headers,
        [property: System.Text.Json.Serialization.JsonPropertyName("body_bytes")] int BodyBytes,
        [property: System.Text.Json.Serialization.JsonPropertyName("framing")] string Framing);
}
