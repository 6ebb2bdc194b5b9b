using System.Text.Json;
using BlobImageStore.Functions.Tests.Infrastructure;

namespace BlobImageStore.Functions.Tests;

/// <summary>
/// The operator endpoints on the Functions host (issue 15, items 4 and 5): <c>/healthz</c>, <c>/readyz</c> and
/// <c>/openapi/v1.json</c> through the function classes answer as the self-host does.
/// </summary>
[Collection(HostsCollection.Name)]
public sealed class FunctionsOperationsTests(HostsFixture hosts)
{
    [Fact]
    public async Task Liveness_and_the_openapi_document_are_the_self_hosts()
    {
        foreach (var target in new[] { "/healthz", "/openapi/v1.json" })
        {
            var function = await hosts.Functions.SendAsync(HttpMethod.Get, target);
            using var server = await hosts.Api.Http.GetAsync(target);

            Assert.Equal((int)server.StatusCode, function.Status);
            Assert.Equal(200, function.Status);
            Assert.Equal(server.Content.Headers.ContentType?.MediaType, function.ContentType?.Split(';')[0]);
            if (target.StartsWith("/openapi", StringComparison.Ordinal))
            {
                // The same document, except that the Functions app in function-keys mode names the key the host checks
                // and its 401 (FunctionsOpenApiTests holds those against the triggers' levels).
                var withoutKeys = System.Text.Json.Nodes.JsonNode.Parse(function.Body)!.AsObject();
                Assert.NotNull(withoutKeys["securityDefinitions"]?["functionKey"]);
                withoutKeys.Remove("securityDefinitions");
                foreach (var (_, methods) in withoutKeys["paths"]!.AsObject())
                {
                    foreach (var (_, operation) in methods!.AsObject())
                    {
                        operation!.AsObject().Remove("security");
                        operation["responses"]!.AsObject().Remove("401");
                    }
                }

                Assert.Equal(await server.Content.ReadAsStringAsync(), withoutKeys.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            }
        }
    }

    [Fact]
    public async Task Readiness_reports_missing_containers_until_they_exist_then_ready()
    {
        var (files, sessions) = hosts.NewContainers("ready");
        await using var app = InProcessFunctions.Create(hosts.Azurite.ConnectionString,
            new Dictionary<string, string>(HostsFixture.FunctionsSettings) { ["Container"] = files, ["SessionContainer"] = sessions });

        var before = await app.SendAsync(HttpMethod.Get, "/readyz");
        Assert.Equal(503, before.Status);
        Assert.Contains(files, before.Body);

        Assert.Equal(204, (await app.SendAsync(HttpMethod.Get, "/ImageStore?api-version=6.0")).Status); // creates both containers
        var after = await app.SendAsync(HttpMethod.Get, "/readyz");

        Assert.Equal(200, after.Status);
        Assert.Equal("Healthy", JsonDocument.Parse(after.Body).RootElement.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readiness_on_unreachable_storage_is_503()
    {
        await using var app = InProcessFunctions.Create(BlobImageStore.Server.Hosting.AzuriteProcess.ConnectionStringFor(BlobImageStore.Server.Hosting.AzuriteProcess.FreePort()), HostsFixture.FunctionsSettings);

        var ready = await app.SendAsync(HttpMethod.Get, "/readyz");
        var live = await app.SendAsync(HttpMethod.Get, "/healthz");

        Assert.Equal(503, ready.Status);
        Assert.Equal(200, live.Status);
    }
}
