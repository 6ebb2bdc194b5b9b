using System.Net;
using System.Text.Json;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.IntegrationTests;

/// <summary><c>/healthz</c> (live) and <c>/readyz</c> (storage reachable, containers present) on the self-host (issue 15, item 4).</summary>
[Collection(StoreCollection.Name)]
public sealed class HealthTests(StoreFixture store)
{
    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task A_server_on_reachable_storage_is_live_and_ready_without_api_version_or_credentials(string path)
    {
        using var response = await store.Api.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        if (path == "/readyz")
        {
            Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Unreachable_storage_is_live_but_not_ready_within_the_probe_timeout()
    {
        await using var server = await ServerProcess.StartAsync(AzuriteProcess.ConnectionStringFor(AzuriteProcess.FreePort()));
        using var api = new ImageStoreApi(server.Address);

        using var live = await api.Http.GetAsync("/healthz");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var ready = await api.Http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), watch.Elapsed.ToString());
        var storage = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("storage");
        Assert.Equal("Unhealthy", storage.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_missing_container_is_not_ready_and_the_answer_names_it()
    {
        await using var iso = await IsolatedStore.StartAsync(store);
        using (var before = await iso.Api.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await iso.Sessions.DeleteAsync();
        using var after = await iso.Api.Http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, after.StatusCode);
        Assert.Contains(iso.Sessions.Name, await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_probes_answer_head_and_are_not_image_store_operations()
    {
        using var head = await store.Api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/readyz"));
        using var post = await store.Api.Http.PostAsync("/healthz", null);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }
}
