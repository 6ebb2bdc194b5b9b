using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.SecurityTests.Infrastructure;
using BlobImageStore.Server.Hosting;
using Json.Schema;

namespace BlobImageStore.SecurityTests;

/// <summary>
/// The self-host with Entra ID configured as a Service Fabric cluster's <c>azureActiveDirectory</c> section (tenant,
/// cluster application, client application), its signing keys read from a local issuer (no network).
/// </summary>
public sealed class EntraServerFixture : IAsyncLifetime
{
    public const string Tenant = "6f1b9a4e-3b8c-4f4e-9d38-0c2b5a7e1d11";
    public const string OtherTenant = "0a9d2c1b-7e6f-4a3b-8c5d-e4f3a2b1c0d9";
    public const string ClusterApplication = "3c1beb77-e0ed-43d8-be02-569450b84d2f";
    public const string ClientApplication = "cd9a3dc7-cfad-4756-9ac1-3cbd91c25602";

    public TestAzurite Azurite { get; private set; } = null!;

    public LocalIssuer Issuer { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Azurite = await TestAzurite.StartAsync("sec-entra", inMemory: true);
        Issuer = await LocalIssuer.StartAsync();
        var address = new Uri($"http://127.0.0.1:{AzuriteProcess.FreePort()}");
        Server = await ServerProcess.StartAsync(address, Settings);
        Client = new HttpClient { BaseAddress = Server.Address };
    }

    public string Token(string[] roles, string? tenant = null, string audience = ClusterApplication, TimeSpan? lifetime = null, DateTime? notBefore = null, string? objectId = null) =>
        Issuer.Token(tenant ?? Tenant, audience, roles, objectId: objectId ?? Guid.NewGuid().ToString(), lifetime, notBefore);

    /// <summary>The settings of <see cref="Server"/>, for a second server on the same storage and issuer.</summary>
    public Dictionary<string, string> Settings => new()
    {
        ["ImageStore__Storage"] = Azurite.ConnectionString,
        ["ImageStore__Security__AzureActiveDirectory__TenantId"] = Tenant,
        ["ImageStore__Security__AzureActiveDirectory__ClusterApplication"] = ClusterApplication,
        ["ImageStore__Security__AzureActiveDirectory__ClientApplication"] = ClientApplication,
        ["ImageStore__Security__AzureActiveDirectory__MetadataAddress"] = Issuer.MetadataAddress(Tenant),
    };

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await Issuer.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

public sealed class EntraIdTests(EntraServerFixture fixture) : IClassFixture<EntraServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task A_token_with_the_Admin_app_role_writes()
    {
        var token = fixture.Token(["Admin"]);
        (await Client.SendAsync(() => Calls.Upload("entra/admin.txt").WithBearer(token))).Is(HttpStatusCode.OK);
        (await Client.SendAsync(() => Calls.Delete("entra/admin.txt").WithBearer(token))).Is(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_with_the_User_app_role_reads_and_writing_is_403()
    {
        var admin = fixture.Token(["Admin"]);
        (await Client.SendAsync(() => Calls.Upload("entra/read/file.txt").WithBearer(admin))).Is(HttpStatusCode.OK);

        var reader = fixture.Token(["User"]); // the value of the "ReadOnly" role SetupApplications.ps1 creates
        Assert.Contains("file.txt", (await Client.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "/ImageStore/entra/read?api-version=6.0").WithBearer(reader))).Is(HttpStatusCode.OK).Body);
        var write = await Client.SendAsync(() => Calls.Upload("entra/read/other.txt").WithBearer(reader));
        write.Is(HttpStatusCode.Forbidden);
        Assert.Equal("E_ACCESSDENIED", write.Code);
        Assert.Contains("Admin role", write.Message);
        var delete = await Client.SendAsync(() => Calls.Delete("entra/read/file.txt").WithBearer(reader));
        delete.Is(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_token_without_either_app_role_is_403()
    {
        var answer = await Client.SendAsync(() => Calls.List().WithBearer(fixture.Token([])));
        answer.Is(HttpStatusCode.Forbidden);
        Assert.Contains("app role", answer.Message);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_401()
    {
        var token = fixture.Token(["Admin"], audience: Guid.NewGuid().ToString());
        var answer = await Client.SendAsync(() => Calls.List().WithBearer(token));
        answer.Is(HttpStatusCode.Unauthorized);
        Assert.Equal("E_ACCESSDENIED", answer.Code);
        Assert.Contains("audience", answer.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_expired_token_is_401()
    {
        var token = fixture.Token(["Admin"], lifetime: TimeSpan.FromMinutes(5), notBefore: DateTime.UtcNow.AddHours(-2));
        var answer = await Client.SendAsync(() => Calls.Upload("entra/expired.txt").WithBearer(token));
        answer.Is(HttpStatusCode.Unauthorized);
        Assert.Contains("expired", answer.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_token_from_another_tenant_is_401_even_signed_by_a_trusted_key()
    {
        var token = fixture.Token(["Admin"], tenant: EntraServerFixture.OtherTenant);
        var answer = await Client.SendAsync(() => Calls.Upload("entra/other-tenant.txt").WithBearer(token));
        answer.Is(HttpStatusCode.Unauthorized);
        Assert.Equal("E_ACCESSDENIED", answer.Code);
    }

    [Fact]
    public async Task No_token_is_401_pointing_at_GetAadMetadata()
    {
        var answer = await Client.SendAsync(Calls.List);
        answer.Is(HttpStatusCode.Unauthorized);
        Assert.Contains("GetAadMetadata", answer.Message);
    }

    [Fact]
    public async Task A_forged_signature_is_401()
    {
        var token = fixture.Token(["Admin"]);
        var parts = token.Split('.');
        var forged = parts[0] + "." + parts[1] + "." + new string('A', parts[2].Length);
        (await Client.SendAsync(() => Calls.List().WithBearer(forged))).Is(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_unreachable_identity_provider_is_503_service_offline_not_401()
    {
        var settings = fixture.Settings;
        var nobody = new Uri($"http://127.0.0.1:{AzuriteProcess.FreePort()}"); // a free loopback port: connections are refused, nothing leaves the machine
        settings["ImageStore__Security__AzureActiveDirectory__MetadataAddress"] = new Uri(nobody, $"/{EntraServerFixture.Tenant}/v2.0/.well-known/openid-configuration").ToString();
        await using var server = await ServerProcess.StartAsync(new Uri($"http://127.0.0.1:{AzuriteProcess.FreePort()}"), settings);
        using var client = new HttpClient { BaseAddress = server.Address };

        foreach (var request in new Func<HttpRequestMessage>[] { Calls.List, () => Calls.Upload("entra/offline.txt") })
        {
            var answer = await client.SendAsync(() => request().WithBearer(fixture.Token(["Admin"])));
            answer.Is(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("FABRIC_E_SERVICE_OFFLINE", answer.Code);
            Assert.Contains("identity provider cannot be reached", answer.Message);
        }

        (await client.SendAsync(Calls.List)).Is(HttpStatusCode.Unauthorized); // no token: still 401, nothing to check
        (await fixture.Client.SendAsync(() => Calls.Get("entra/offline.txt").WithBearer(fixture.Token(["Admin"])))).Is(HttpStatusCode.NotFound); // nothing was written
    }

    /// <summary>A principal by its object id: each request carries a freshly issued token, as a client refreshing it would.</summary>
    private Send As(string objectId, HttpClient? client = null) =>
        request => (client ?? Client).SendAsync(() => request().WithBearer(fixture.Token(["Admin"], objectId: objectId)));

    [Fact]
    public async Task A_session_takes_chunks_and_a_commit_only_from_the_Entra_user_that_started_it()
    {
        var owner = Guid.NewGuid().ToString();
        var other = Guid.NewGuid().ToString();
        const string path = "owned/entra.bin";
        var id = await SessionOwnership.StartAsync(As(owner), path);

        await SessionOwnership.AssertRefusedAsync(As(owner), As(other), path, id, "an Entra ID user", owner, deleteRefused: false);

        await SessionOwnership.AssertOwnerFinishesAsync(As(owner), path, id); // new tokens, same object id: the same owner
    }

    [Fact]
    public async Task Another_Entra_admin_may_delete_a_session_it_did_not_start()
    {
        var owner = Guid.NewGuid().ToString();
        var id = await SessionOwnership.StartAsync(As(owner), "owned/entra-deleted.bin");
        (await As(Guid.NewGuid().ToString())(() => Calls.DeleteSession(id))).Is(HttpStatusCode.OK);
        (await As(owner)(() => Calls.Commit(id))).Is(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task With_AllowAnonymous_an_anonymous_caller_cannot_touch_an_Entra_users_session_but_an_Entra_admin_may_delete_an_anonymous_one()
    {
        var settings = fixture.Settings;
        settings["ImageStore__Security__AllowAnonymous"] = "true";
        await using var server = await ServerProcess.StartAsync(new Uri($"http://127.0.0.1:{AzuriteProcess.FreePort()}"), settings);
        using var client = new HttpClient { BaseAddress = server.Address };
        Send anonymous = request => client.SendAsync(request);
        var owner = Guid.NewGuid().ToString();

        const string path = "owned/entra-vs-anonymous.bin";
        var id = await SessionOwnership.StartAsync(As(owner, client), path);
        await SessionOwnership.AssertRefusedAsync(As(owner, client), anonymous, path, id, "an Entra ID user", owner, deleteRefused: true);
        await SessionOwnership.AssertOwnerFinishesAsync(As(owner, client), path, id);

        const string anonymousPath = "owned/anonymous.bin";
        var anonymousId = await SessionOwnership.StartAsync(anonymous, anonymousPath);
        await SessionOwnership.AssertRefusedAsync(anonymous, As(owner, client), anonymousPath, anonymousId, "an anonymous caller", "anonymous:", deleteRefused: false);
        (await As(owner, client)(() => Calls.DeleteSession(anonymousId))).Is(HttpStatusCode.OK);
    }

    [Fact]
    public async Task GetAadMetadata_answers_without_a_token_as_the_gateway_does()
    {
        var answer = await Client.SendAsync(Calls.AadMetadata);
        answer.Is(HttpStatusCode.OK);
        AadMetadataSchema.AssertValid(answer.Body);
        var metadata = JsonNode.Parse(answer.Body)!;
        Assert.Equal("aad", (string?)metadata["type"]);
        var m = metadata["metadata"]!;
        Assert.Equal("https://login.microsoftonline.com/" + EntraServerFixture.Tenant, (string?)m["authority"]);
        Assert.Equal("https://login.microsoftonline.com", (string?)m["login"]);
        Assert.Equal(EntraServerFixture.Tenant, (string?)m["tenant"]);
        Assert.Equal(EntraServerFixture.ClusterApplication, (string?)m["cluster"]);
        Assert.Equal(EntraServerFixture.ClientApplication, (string?)m["client"]);
        Assert.Equal("urn:ietf:wg:oauth:2.0:oob", (string?)m["redirect"]);
    }
}

/// <summary>
/// The full Service Fabric REST spec's <c>AadMetadataObject</c> (<c>type</c>: string; <c>metadata</c>: <c>AadMetadata</c>
/// with the strings authority, client, cluster, login, redirect, tenant), which the image store subset in spec/ does not
/// carry; made strict like the other spec checks (every member present, no other members).
/// </summary>
public static class AadMetadataSchema
{
    private static readonly JsonSchema Schema = JsonSchema.FromText("""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "additionalProperties": false,
          "required": ["type", "metadata"],
          "properties": {
            "type": { "type": "string" },
            "metadata": {
              "type": "object",
              "additionalProperties": false,
              "required": ["authority", "client", "cluster", "login", "redirect", "tenant"],
              "properties": {
                "authority": { "type": "string" }, "client": { "type": "string" }, "cluster": { "type": "string" },
                "login": { "type": "string" }, "redirect": { "type": "string" }, "tenant": { "type": "string" }
              }
            }
          }
        }
        """);

    public static void AssertValid(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, "Not a valid AadMetadataObject: " + json);
    }
}
