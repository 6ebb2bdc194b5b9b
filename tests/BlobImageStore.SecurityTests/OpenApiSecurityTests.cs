using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.SecurityTests.Infrastructure;
using BlobImageStore.Server.Hosting;
using Microsoft.OpenApi.Readers;

namespace BlobImageStore.SecurityTests;

/// <summary>
/// The served <c>/openapi/v1.json</c> of a secured server against what that server answers: every operation that lists
/// 401 answers a request without credentials with 401 <c>E_ACCESSDENIED</c>, every operation that lists 403 answers
/// credentials no setting allows with 403, a reader gets 403 exactly on the operations that write, and an operation that
/// lists neither (the unauthenticated paths) is served without credentials. The accepted credentials are named.
/// </summary>
public sealed class OpenApiCertificateTests(CertificateServerFixture fixture) : IClassFixture<CertificateServerFixture>
{
    [Fact]
    public async Task Every_operation_that_lists_401_and_403_answers_them_and_the_others_are_served_without_credentials()
    {
        var document = await OpenApiDocument.FetchAsync(fixture.Client(null));
        Assert.NotNull(document["x-blobimagestore-clientCertificate"]?["description"]);
        Assert.Null(document["securityDefinitions"]); // Swagger 2.0 cannot name mutual TLS; no other scheme is accepted

        using var anonymous = fixture.Client(null);
        using var unknown = fixture.Client(fixture.Certificates.Unknown);
        using var reader = fixture.Client(fixture.Certificates.Reader);
        var operations = DocumentedOperation.Of(document);
        Assert.Contains(operations, o => o.Lists(401));
        foreach (var operation in operations)
        {
            await OpenApiDocument.AssertNoCredentialsAsync(anonymous, operation);
            var refused = await unknown.SendAsync(() => operation.Request());
            if (operation.Lists(403) && operation.Lists(401))
            {
                Assert.True(refused.Status == HttpStatusCode.Forbidden, $"{operation.OperationId} with a certificate no setting allows: {(int)refused.Status} {refused.Body}");
                Assert.Equal("E_ACCESSDENIED", refused.Code);
            }
            else
            {
                Assert.False(refused.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{operation.OperationId} lists no 401/403 but answered {(int)refused.Status} {refused.Body}");
            }

            var read = await reader.SendAsync(() => operation.Request());
            if (read.Status == HttpStatusCode.Forbidden)
            {
                Assert.True(operation.Writes && operation.Describes(403)!.Contains("ReadOnly", StringComparison.Ordinal), $"{operation.OperationId}: a reader got 403 that the document does not describe: {read.Body}");
            }
            else
            {
                Assert.False(operation.Writes && operation.Lists(401), $"{operation.OperationId} writes, but a reader got {(int)read.Status} {read.Body}");
                Assert.NotEqual(HttpStatusCode.Unauthorized, read.Status);
            }
        }
    }
}

public sealed class OpenApiEntraTests(EntraServerFixture fixture) : IClassFixture<EntraServerFixture>
{
    [Fact]
    public async Task The_Entra_scheme_is_the_one_GetAadMetadata_names_and_every_operation_that_lists_401_and_403_answers_them()
    {
        var document = await OpenApiDocument.FetchAsync(fixture.Client);
        var metadata = JsonNode.Parse((await fixture.Client.SendAsync(Calls.AadMetadata)).Is(HttpStatusCode.OK).Body)!["metadata"]!;
        var scheme = document["securityDefinitions"]!["entraId"]!;
        Assert.Equal("oauth2", (string?)scheme["type"]);
        Assert.Equal($"{metadata["authority"]}/oauth2/v2.0/authorize", (string?)scheme["authorizationUrl"]);
        Assert.Equal($"{metadata["authority"]}/oauth2/v2.0/token", (string?)scheme["tokenUrl"]);
        Assert.Equal([$"{metadata["cluster"]}/.default"], scheme["scopes"]!.AsObject().Select(s => s.Key));
        Assert.Null(document["x-blobimagestore-clientCertificate"]);

        var noRole = fixture.Token([]);
        var operations = DocumentedOperation.Of(document);
        Assert.Contains(operations, o => o.Lists(401));
        foreach (var operation in operations)
        {
            await OpenApiDocument.AssertNoCredentialsAsync(fixture.Client, operation);
            Assert.Equal(operation.Lists(401), operation.Security?.ToJsonString() == """[{"entraId":[]}]""");
            var refused = await fixture.Client.SendAsync(() => operation.Request().WithBearer(noRole));
            Assert.Equal(operation.Lists(403) && operation.Lists(401), refused.Status == HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task With_AllowAnonymous_the_document_lists_401_only_for_failing_credentials_and_anonymous_callers_are_served()
    {
        var settings = fixture.Settings;
        settings["ImageStore__Security__AllowAnonymous"] = "true";
        await using var server = await ServerProcess.StartAsync(new Uri($"http://127.0.0.1:{AzuriteProcess.FreePort()}"), settings);
        using var client = new HttpClient { BaseAddress = server.Address };
        var document = await OpenApiDocument.FetchAsync(client);

        var expired = fixture.Token(["Admin"], lifetime: TimeSpan.FromMinutes(5), notBefore: DateTime.UtcNow.AddHours(-2));
        var operations = DocumentedOperation.Of(document);
        Assert.Contains(operations, o => o.Lists(401));
        foreach (var operation in operations)
        {
            var answer = await client.SendAsync(() => operation.Request());
            Assert.False(answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{operation.OperationId} without credentials: {(int)answer.Status} {answer.Body}");
            if (operation.Lists(401))
            {
                Assert.StartsWith("Credentials that fail", operation.Describes(401));
                Assert.Contains(operation.Security!, r => r is JsonObject { Count: 0 }); // anonymous is one of the alternatives
                (await client.SendAsync(() => operation.Request().WithBearer(expired))).Is(HttpStatusCode.Unauthorized);
            }
        }
    }
}

/// <summary>Fetching the document and holding an operation's 401 against the server.</summary>
internal static class OpenApiDocument
{
    /// <summary>The served document, anonymous in every mode, valid Swagger 2.0.</summary>
    public static async Task<JsonNode> FetchAsync(HttpClient client)
    {
        var answer = (await client.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json"))).Is(HttpStatusCode.OK);
        new OpenApiStringReader().Read(answer.Body, out var diagnostic);
        Assert.Empty(diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        return JsonNode.Parse(answer.Body)!;
    }

    /// <summary>Without credentials: the listed 401 with E_ACCESSDENIED, or, when none is listed, anything but 401/403.</summary>
    public static async Task AssertNoCredentialsAsync(HttpClient client, DocumentedOperation operation)
    {
        var answer = await client.SendAsync(() => operation.Request());
        if (operation.Lists(401))
        {
            Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"{operation.OperationId} ({operation.Method} {operation.Path}) lists 401, but without credentials answered {(int)answer.Status} {answer.Body}");
            Assert.Equal("E_ACCESSDENIED", answer.Code);
        }
        else
        {
            Assert.False(answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{operation.OperationId} lists no 401, but without credentials answered {(int)answer.Status} {answer.Body}");
        }
    }
}
