using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BlobImageStore.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BlobImageStore.Functions.Tests;

/// <summary>
/// The Functions app's <c>/openapi/v1.json</c> against what answers its requests: in function-keys mode the host's key
/// check (each HTTP trigger's authorization level, as the worker reports it to the host), with Entra ID or client
/// certificates the app itself (the forwarded-certificate mode, in-process).
/// </summary>
public sealed class FunctionsOpenApiTests(FunctionsCertificateFixture fixture) : IClassFixture<FunctionsCertificateFixture>
{
    [Fact]
    public async Task With_function_keys_the_document_lists_the_key_and_its_401_exactly_on_the_operations_whose_trigger_needs_a_key()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        builder.Configuration["ImageStore:Storage"] = "UseDevelopmentStorage=true"; // never dialled: the document reads no storage
        builder.Configuration["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9"; // never dialled
        builder.Services.AddImageStoreFunctions(builder.Configuration);
        using var host = builder.Build();

        // What the worker tells the host: each HTTP trigger's route and level, after the level transformer.
        var triggers = (await host.Services.GetRequiredService<IFunctionMetadataManager>().GetFunctionMetadataAsync(AppContext.BaseDirectory))
            .SelectMany(f => (f.RawBindings ?? []).Select(b => JsonNode.Parse(b)!))
            .Where(b => (string?)b["type"] == "httpTrigger")
            .Select(b => (Route: new Regex("^/" + Regex.Escape((string)b["route"]!).Replace(@"\{\*rest}", ".+", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase),
                Level: ((string)b["authLevel"]!).ToLowerInvariant()))
            .ToList();

        var context = new DefaultHttpContext { RequestServices = host.Services };
        context.Response.Body = new MemoryStream();
        await ActivatorUtilities.CreateInstance<ImageStoreFunctions>(host.Services).OpenApiAsync(context.Request);
        var document = JsonNode.Parse(((MemoryStream)context.Response.Body).ToArray())!;

        Assert.Equal("""{"type":"apiKey","in":"header","name":"x-functions-key"}""", Scheme(document, "functionKey"));
        Assert.Equal("""{"type":"apiKey","in":"query","name":"code"}""", Scheme(document, "functionKeyQuery"));
        var operations = DocumentedOperation.Of(document);
        Assert.Contains(operations, o => o.Path == "/healthz");
        foreach (var operation in operations)
        {
            var trigger = Assert.Single(triggers, t => t.Route.IsMatch(operation.Path));
            var needsKey = trigger.Level == "function";
            Assert.True(needsKey == operation.Lists(401), $"{operation.OperationId} ({operation.Path}): trigger level {trigger.Level}, 401 listed: {operation.Lists(401)}");
            Assert.Equal(needsKey ? """[{"functionKey":[]},{"functionKeyQuery":[]}]""" : null, operation.Security?.ToJsonString());
            if (needsKey)
            {
                Assert.Null(operation.Operation["responses"]!["401"]!["schema"]); // the host's plain 401 has no body
            }
        }
    }

    [Fact]
    public async Task With_forwarded_client_certificates_every_operation_that_lists_401_and_403_answers_them_in_process()
    {
        var served = await fixture.Functions.SendAsync(HttpMethod.Get, "/" + ImageStoreFunctions.OpenApiRoute);
        Assert.Equal(200, served.Status);
        var document = JsonNode.Parse(served.Body)!;
        Assert.Null(document["securityDefinitions"]); // no keys: the triggers are anonymous and the app authenticates
        Assert.Contains("X-ARR-ClientCert", (string?)document["x-blobimagestore-clientCertificate"]!["description"]);

        var operations = DocumentedOperation.Of(document);
        Assert.Contains(operations, o => o.Lists(401));
        (string, string)[] unknown = [("X-ARR-ClientCert", Convert.ToBase64String(fixture.Certificates.Unknown.RawData))];
        foreach (var operation in operations)
        {
            var body = operation.Writes ? "hello"u8.ToArray() : null;
            (string, string)[] range = operation.Writes ? [("Content-Range", "bytes 0-4/5")] : [];
            var anonymous = await fixture.Functions.SendAsync(new HttpMethod(operation.Method.ToUpperInvariant()), operation.Target(), body, range);
            Assert.True(operation.Lists(401) == (anonymous.Status == 401), $"{operation.OperationId}: 401 listed {operation.Lists(401)}, answered {anonymous.Status} {anonymous.Body}");
            var refused = await fixture.Functions.SendAsync(new HttpMethod(operation.Method.ToUpperInvariant()), operation.Target(), body, range.Concat(unknown));
            Assert.True((operation.Lists(403) && operation.Lists(401)) == (refused.Status == 403), $"{operation.OperationId}: 403 listed {operation.Lists(403)}, answered {refused.Status} {refused.Body}");
        }
    }

    private static string? Scheme(JsonNode document, string name)
    {
        var scheme = document["securityDefinitions"]?[name]?.DeepClone().AsObject();
        scheme?.Remove("description");
        scheme?.Remove("x-blobimagestore");
        return scheme?.ToJsonString();
    }
}
