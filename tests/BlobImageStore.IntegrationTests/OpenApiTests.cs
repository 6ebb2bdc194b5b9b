using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BlobImageStore.Http;
using BlobImageStore.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi.Readers;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// The served API description and the <c>.http</c> samples (issue 15, item 5): <c>/openapi/v1.json</c> is a valid
/// document that keeps every operation of the official spec as the spec describes it and adds every route this server
/// serves; <c>BlobImageStore.Server.http</c> names every operation and runs top to bottom against the real server.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class OpenApiTests(StoreFixture store)
{
    private static readonly string HttpFile = Path.Combine(RepoPaths.Root, "src", "BlobImageStore.Server", "BlobImageStore.Server.http");

    [Fact]
    public async Task The_served_document_is_valid_and_keeps_every_official_operation_as_the_spec_describes_it()
    {
        var (served, text) = await ServedAsync();

        var document = new OpenApiStringReader().Read(text, out var diagnostic);
        Assert.Empty(diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Equal("2.0", served["swagger"]!.GetValue<string>());

        var spec = JsonNode.Parse(File.ReadAllText(SpecSchema.SpecFile))!;
        foreach (var (path, methods) in spec["paths"]!.AsObject())
        {
            foreach (var (method, official) in methods!.AsObject())
            {
                var ours = served["paths"]![path]?[method];
                Assert.True(ours is not null, $"{method.ToUpperInvariant()} {path} is missing");
                foreach (var member in new[] { "operationId", "summary", "description", "tags" })
                {
                    Assert.True(JsonNode.DeepEquals(official![member], ours![member]), $"{method} {path}: {member} differs from the spec");
                }

                // Everything the spec says is kept; additions carry the x-blobimagestore marker.
                var ourParameters = ours!["parameters"]!.AsArray();
                Assert.All(official!["parameters"]!.AsArray(), p => Assert.Contains(ourParameters, q => JsonNode.DeepEquals(p, q)));
                foreach (var (status, answer) in official["responses"]!.AsObject())
                {
                    Assert.True(JsonNode.DeepEquals(answer, ours["responses"]![status]), $"{method} {path}: response {status} differs");
                }

                Assert.All(ours["responses"]!.AsObject().Where(r => official["responses"]![r.Key] is null), r => Assert.NotNull(r.Value!["x-blobimagestore"]));
            }
        }

        foreach (var (name, definition) in spec["definitions"]!.AsObject())
        {
            foreach (var (property, schema) in definition!["properties"]?.AsObject() ?? [])
            {
                Assert.True(JsonNode.DeepEquals(schema, served["definitions"]![name]!["properties"]![property]), $"{name}.{property} differs");
            }
        }

        Assert.NotNull(served["parameters"]!["ContinuationTokenOptionalQueryParam"]);
        Assert.NotNull(served["definitions"]!["ImageStoreContent"]!["properties"]!["ContinuationToken"]);
        Assert.NotNull(document.Paths["/healthz"]);
        Assert.NotNull(document.Paths["/readyz"]);
    }

    [Fact]
    public async Task Every_route_the_server_serves_is_in_the_document_under_its_operation_id()
    {
        var (served, _) = await ServedAsync();

        foreach (var operation in Operations())
        {
            var route = operation.Route;
            var path = route.ClusterLevel ? $"/$/{route.Name}"
                : "/ImageStore" + (route.HasContentPath ? "/{contentPath}" : string.Empty) + (route.Name is null ? string.Empty : $"/$/{route.Name}");
            var described = served["paths"]![path]?[route.Method.ToLowerInvariant()];
            Assert.True(described is not null, $"{route} ({operation.OperationId}) is not described at {path}");
            Assert.Equal(operation.OperationId, described!["operationId"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Without_security_settings_no_operation_lists_401_and_none_answers_it_and_only_the_session_operations_list_the_owner_403()
    {
        // The self-host without ImageStore:Security serves anonymous callers (on loopback, where it must listen): the
        // document names no credentials, and lists 403 only where a session started by another principal is refused.
        var (served, _) = await ServedAsync();
        Assert.Null(served["securityDefinitions"]);
        Assert.Null(served["x-blobimagestore-clientCertificate"]);

        var operations = DocumentedOperation.Of(served);
        var session = Guid.NewGuid(); // one session for every request, so that what the writes leave can be removed
        Assert.Equal(
            ["CommitImageStoreUploadSession", "DeleteImageStoreUploadSession", "UploadFileChunk"],
            operations.Where(o => o.Lists(403)).Select(o => o.OperationId).Order());
        foreach (var operation in operations)
        {
            Assert.False(operation.Lists(401), $"{operation.OperationId} lists 401");
            Assert.Null(operation.Security);
            if (operation.Lists(403))
            {
                Assert.Contains("another principal", operation.Describes(403));
            }

            using var request = operation.Request("openapi-anonymous/file.txt", session);
            using var response = await store.Api.Http.SendAsync(request);
            Assert.False(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden,
                $"{operation.OperationId} answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // The shared store as it was: no session left open, no file left behind.
        using (await store.Api.Http.DeleteAsync($"/ImageStore/$/DeleteUploadSession?api-version=6.0&session-id={session}"))
        using (await store.Api.Http.DeleteAsync("/ImageStore/openapi-anonymous?api-version=6.0"))
        {
        }

        Assert.Empty(store.Files.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "openapi-anonymous/", CancellationToken.None));
        using var sessions = await store.Api.Http.GetAsync($"/ImageStore/$/GetUploadSession?api-version=6.0&session-id={session}");
        Assert.Equal(HttpStatusCode.NoContent, sessions.StatusCode);
    }

    [Fact]
    public async Task The_http_file_names_every_operation_and_runs_top_to_bottom()
    {
        var (served, _) = await ServedAsync();
        var operationIds = served["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => m.Value!["operationId"]!.GetValue<string>())).ToHashSet();
        var variables = new Dictionary<string, string>
        {
            // What a user edits before a run: the address, and fresh session ids.
            ["host"] = store.Server.Address.ToString().TrimEnd('/'),
            ["session"] = Guid.NewGuid().ToString(),
            ["abandoned"] = Guid.NewGuid().ToString(),
        };
        var requests = HttpFileRequest.Parse(File.ReadAllText(HttpFile), variables);

        var missing = operationIds.Except(requests.Select(r => r.Name)).ToList();
        Assert.True(missing.Count == 0, "not in the .http file: " + string.Join(", ", missing));
        Assert.Contains(requests, r => r.Name == "OpenApi");
        using var http = new HttpClient();
        foreach (var request in requests)
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
            if (request.Body is not null)
            {
                message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
            }

            foreach (var (name, value) in request.Headers)
            {
                if (!message.Headers.TryAddWithoutValidation(name, value))
                {
                    message.Content ??= new ByteArrayContent([]);
                    message.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }

            using var response = await http.SendAsync(message);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{request.Name} {request.Method} {request.Url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.False(await store.Files.GetBlobClient("HttpSample/chunked.txt").ExistsAsync()); // deleted at the end
    }

    private async Task<(JsonNode Document, string Text)> ServedAsync()
    {
        using var response = await store.Api.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        return (JsonNode.Parse(text)!, text);
    }

    private static IReadOnlyCollection<IImageStoreOperation> Operations()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ImageStore:Storage"] = "UseDevelopmentStorage=true" }).Build();
        var services = new ServiceCollection().AddLogging().AddBlobImageStore(configuration).BuildServiceProvider();
        return services.GetRequiredService<ImageStoreEndpoint>().Operations;
    }
}

/// <summary>
/// One request of a <c>.http</c> file, read the way Visual Studio, VS Code's REST Client and Rider read it: requests
/// separated by <c>###</c>, <c>@name = value</c> variables used as <c>{{name}}</c>, <c># @name</c> naming a request,
/// comment lines starting with <c>#</c> or <c>//</c>, headers up to the first blank line, then the body (sent without
/// its final line break).
/// </summary>
public sealed record HttpFileRequest(string Name, string Method, string Url, IReadOnlyList<(string Name, string Value)> Headers, string? Body)
{
    public static List<HttpFileRequest> Parse(string text, IReadOnlyDictionary<string, string> overrides)
    {
        var variables = new Dictionary<string, string>(overrides);
        var requests = new List<HttpFileRequest>();
        var blocks = new List<List<string>> { new() };
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (line.StartsWith("###", StringComparison.Ordinal))
            {
                blocks.Add([]);
            }
            else
            {
                blocks[^1].Add(line);
            }
        }

        foreach (var block in blocks)
        {
            string? name = null, method = null, url = null;
            var headers = new List<(string, string)>();
            var body = new StringBuilder();
            var inBody = false;
            foreach (var raw in block)
            {
                var line = raw.TrimEnd();
                if (!inBody && line.StartsWith("# @name ", StringComparison.Ordinal))
                {
                    name = line["# @name ".Length..].Trim();
                }
                else if (!inBody && (line.StartsWith('#') || line.StartsWith("//", StringComparison.Ordinal)))
                {
                }
                else if (method is null && line.StartsWith('@'))
                {
                    var eq = line.IndexOf('=');
                    var key = line[1..eq].Trim();
                    variables.TryAdd(key, line[(eq + 1)..].Trim());
                }
                else if (method is null && line.Length > 0)
                {
                    var parts = line.Split(' ', 2);
                    (method, url) = (parts[0], Substitute(parts[1].Trim(), variables));
                }
                else if (method is not null && !inBody && line.Length == 0)
                {
                    inBody = true;
                }
                else if (method is not null && !inBody)
                {
                    var colon = line.IndexOf(':');
                    headers.Add((line[..colon].Trim(), Substitute(line[(colon + 1)..].Trim(), variables)));
                }
                else if (inBody)
                {
                    body.Append(raw).Append('\n');
                }
            }

            if (method is not null)
            {
                var content = body.ToString().TrimEnd('\n');
                requests.Add(new HttpFileRequest(name ?? $"{method} {url}", method, url!, headers, content.Length == 0 ? null : Substitute(content, variables)));
            }
        }

        return requests;
    }

    private static string Substitute(string text, IReadOnlyDictionary<string, string> variables) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\{\{(\w+)\}\}", m => variables.TryGetValue(m.Groups[1].Value, out var v) ? v : throw new InvalidOperationException($"undefined variable {m.Value}"));
}
