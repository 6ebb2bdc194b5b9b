using System.Net;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.IntegrationTests;

/// <summary>The shared HTTP layer: paths, api-version, timeout, routing and error mapping.</summary>
[Collection(StoreCollection.Name)]
public sealed class HttpLayerTests(StoreFixture store)
{
    private ImageStoreApi Api => store.Api;

    [Theory]
    [InlineData("%2F", "FABRIC_E_INVALID_NAME_URI")]
    [InlineData("a/%2E%2E/b", "FABRIC_E_INVALID_NAME_URI")]
    [InlineData("a%2F..%2Fb", "FABRIC_E_INVALID_NAME_URI")]
    [InlineData("a/../b", "FABRIC_E_INVALID_NAME_URI")]
    [InlineData("a/./b", "FABRIC_E_INVALID_NAME_URI")]
    [InlineData("a%01b", "FABRIC_E_INVALID_NAME_URI")]
    [InlineData("a%0D%0Ab", "FABRIC_E_INVALID_NAME_URI")]
    public async Task Bad_content_paths_are_400_fabric_errors(string rawPath, string code)
    {
        // Raw HTTP: HttpClient would remove dot segments from the URL before sending it.
        var response = await RawHttp.SendAsync(store.Server.Address, "PUT", ImageStoreApi.ChunkUrl(rawPath, Guid.NewGuid()),
            [("Content-Range", "bytes 0-0/1")], new byte[1], RawFraming.ContentLength);

        Assert.Equal(400, response.Status);
        Assert.Contains($"\"Code\":\"{code}\"", response.Body);
    }

    [Fact]
    public async Task A_content_path_over_1024_characters_is_path_too_long()
    {
        var response = await Api.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(new string('a', 1025), Guid.NewGuid()), new ByteArrayContent(new byte[1]), "bytes 0-0/1");

        await Fabric.AssertErrorAsync(response, HttpStatusCode.BadRequest, "FABRIC_E_PATH_TOO_LONG");
    }

    [Theory]
    [InlineData("6.0")]
    [InlineData("1.0")]
    [InlineData("9.1")]
    [InlineData("6.5-preview")]
    [InlineData("6")]
    [InlineData("9.10")]
    public async Task Api_versions_from_1_0_to_9_1_are_accepted(string version)
    {
        using var response = await Api.Http.GetAsync($"/ImageStore/$/GetUploadSession?api-version={version}&session-id={Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("api-version=0.9&")]
    [InlineData("api-version=9.2&")]
    [InlineData("api-version=six&")]
    [InlineData("api-version=NaN&")]
    [InlineData("api-version=nan-preview&")]
    [InlineData("api-version=Infinity&")]
    [InlineData("api-version=-Infinity&")]
    [InlineData("api-version=6e0&")]
    [InlineData("api-version=%2B6.0&")]
    [InlineData("api-version=6.&")]
    [InlineData("api-version=.6&")]
    [InlineData("api-version=9.10000000001&")]
    public async Task Missing_or_out_of_range_api_versions_are_invalid_argument_naming_the_range(string apiVersion)
    {
        using var response = await Api.Http.GetAsync($"/ImageStore/$/GetUploadSession?{apiVersion}session-id={Guid.NewGuid()}");

        var message = await Fabric.AssertErrorAsync(response, HttpStatusCode.BadRequest, "E_INVALIDARG");
        Assert.Contains("1.0 to 9.1", message);
    }

    [Theory]
    [InlineData("timeout=abc")]
    [InlineData("timeout=0")]
    [InlineData("timeout=4294967295")]
    [InlineData("timeout=99999999999999")]
    public async Task Unparsable_or_extreme_timeouts_fall_back_without_failing(string timeout)
    {
        using var response = await Api.Http.GetAsync($"/ImageStore/$/GetUploadSession?api-version=6.0&{timeout}&session-id={Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task An_operation_past_its_timeout_is_504_fabric_timeout_and_counts_for_nothing()
    {
        var path = TestData.NewPath();
        var session = Guid.NewGuid();
        // Half the body, then a 3 s stall: the 1 s timeout passes while the server waits for the rest.
        var content = new StallingContent(new byte[200_000], 100_000, Task.Delay(TimeSpan.FromSeconds(3)));

        var response = await Api.SendAsync(HttpMethod.Put, $"/ImageStore/{path}/$/UploadChunk?api-version=6.0&timeout=1&session-id={session}", content, "bytes 0-199999/400000")
            .WaitAsync(TimeSpan.FromSeconds(60));

        await Fabric.AssertErrorAsync(response, HttpStatusCode.GatewayTimeout, "FABRIC_E_TIMEOUT");
        Assert.Null(await Api.GetSessionAsync(session));
    }

    [Theory]
    [InlineData("PUT", "/ImageStore/$/UploadChunk?api-version=6.0")]
    [InlineData("GET", "/ImageStore/a/$/CommitUploadSession?api-version=6.0")]
    [InlineData("PATCH", "/ImageStore/$/GetUploadSession?api-version=6.0")]
    [InlineData("GET", "/ImageStore/a/$/NoSuchOperation?api-version=6.0")]
    [InlineData("GET", "/ImageStoreX?api-version=6.0")]
    public async Task Unknown_routes_are_invalid_argument_naming_what_is_served(string method, string url)
    {
        using var response = await Api.SendAsync(new HttpMethod(method), url);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, body);
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            await Fabric.AssertErrorAsync(response, HttpStatusCode.BadRequest, "E_INVALIDARG");
        }
    }

    [Fact]
    public async Task The_status_text_is_the_error_code_as_the_gateway_sends_it()
    {
        using var response = await Api.Http.GetAsync("/ImageStore/$/GetUploadSession?api-version=6.0");

        Assert.Equal("FABRIC_E_INVALID_UPLOAD_SESSION_ID", response.ReasonPhrase);
    }

    [Fact]
    public async Task Storage_that_cannot_be_reached_is_503_within_seconds_not_a_hang()
    {
        var deadPort = AzuriteProcess.FreePort();
        await using var server = await ServerProcess.StartAsync(AzuriteProcess.ConnectionStringFor(deadPort));
        using var api = new ImageStoreApi(server.Address);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var response = await api.Http.GetAsync($"/ImageStore/$/GetUploadSession?api-version=6.0&session-id={Guid.NewGuid()}");

        await Fabric.AssertErrorAsync(response, HttpStatusCode.ServiceUnavailable, "FABRIC_E_SERVICE_OFFLINE");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), watch.Elapsed.ToString());
    }
}
