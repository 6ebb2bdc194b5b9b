using System.Text.Json;
using System.Text.Json.Nodes;
using BlobImageStore.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BlobImageStore.OpenApi;

/// <summary>
/// The served API description, at <c>/openapi/v1.json</c>: the official Service Fabric swagger subset
/// (<c>spec/servicefabric-imagestore.json</c>, Swagger 2.0, embedded in this assembly) unchanged for every operation it
/// describes, plus what this server adds, each addition marked <c>"x-blobimagestore": "&lt;why&gt;"</c>: the
/// <c>ContinuationToken</c> of listings (query parameter and answer member), the 204 answers the runtime sends,
/// <c>Content-MD5</c> on uploads, the 415 for content codings, the <c>/$/GetClusterManifest</c> shim, and the
/// <c>/healthz</c> and <c>/readyz</c> probes. No <c>host</c>: tools use the address they fetched the document from.
/// </summary>
public static class ImageStoreOpenApi
{
    public const string Path = "/openapi/v1.json";

    private const string Marker = "x-blobimagestore";
    private const string SpecResource = "BlobImageStore.servicefabric-imagestore.json";

    private static readonly Lazy<byte[]> Document = new(() => JsonSerializer.SerializeToUtf8Bytes(Build(), new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>The official swagger subset as vendored in <c>spec/</c>.</summary>
    public static JsonObject LoadOfficialSpec()
    {
        using var stream = typeof(ImageStoreOpenApi).Assembly.GetManifestResourceStream(SpecResource)
            ?? throw new InvalidOperationException($"The embedded resource {SpecResource} is missing.");
        return JsonNode.Parse(stream)!.AsObject();
    }

    /// <summary>The document this server serves.</summary>
    public static JsonObject Build()
    {
        var doc = LoadOfficialSpec();
        doc.Remove("host");
        doc["info"]!["title"] = "BlobImageStore: the Service Fabric Image Store REST API on Azure Blob Storage";
        doc["info"]!["description"] =
            "The /ImageStore operations of the Service Fabric REST API 9.1 as the official specification describes them, " +
            $"plus what this server adds (each marked '{Marker}'). Errors are FabricError bodies; docs/errors.md in the repository lists every code.";

        var paths = doc["paths"]!.AsObject();
        var parameters = doc["parameters"]!.AsObject();
        var definitions = doc["definitions"]!.AsObject();

        // Listings: ContinuationToken in and out, 204 for an empty root or a continued listing with nothing more.
        parameters["ContinuationTokenOptionalQueryParam"] = new JsonObject
        {
            ["name"] = "ContinuationToken",
            ["in"] = "query",
            ["type"] = "string",
            ["required"] = false,
            ["description"] = "The ContinuationToken of the previous page of the same listing, unchanged. A page holds what fits in the message size Service Fabric uses (ImageStore:ListPageBytes), so clients that never page get whole folders of thousands of files.",
            [Marker] = "Service Fabric's runtime pages listings (note S11); the 9.1 swagger leaves the parameter out.",
        };
        definitions["ImageStoreContent"]!["properties"]!["ContinuationToken"] = new JsonObject
        {
            ["type"] = "string",
            ["description"] = "Present when the listing has more pages: pass it back as the ContinuationToken query parameter.",
            [Marker] = "Sent by the runtime (note S11), absent from the 9.1 definition.",
        };
        foreach (var (path, method) in new[] { ("/ImageStore/{contentPath}", "get"), ("/ImageStore", "get") })
        {
            var operation = paths[path]![method]!;
            operation["parameters"]!.AsArray().Add(new JsonObject { ["$ref"] = "#/parameters/ContinuationTokenOptionalQueryParam" });
            operation["responses"]!["204"] = new JsonObject
            {
                ["description"] = path == "/ImageStore" ? "The store is empty, or a continued listing has nothing more." : "A continued listing has nothing more.",
                [Marker] = "The runtime's bare 204 (note S10).",
            };
        }

        foreach (var path in new[] { "/ImageStore/$/GetUploadSession", "/ImageStore/{contentPath}/$/GetUploadSession" })
        {
            paths[path]!["get"]!["responses"]!["204"] = new JsonObject
            {
                ["description"] = "No upload session with that id, or none open on that path.",
                [Marker] = "The runtime's bare 204 (note S10).",
            };
        }

        // Uploads: an optional Content-MD5, checked; content codings refused.
        parameters["ContentMd5OptionalHeaderParam"] = new JsonObject
        {
            ["name"] = "Content-MD5",
            ["in"] = "header",
            ["type"] = "string",
            ["required"] = false,
            ["description"] = "Base64 MD5 of the body; when sent, a body that does not match is refused with 400 and nothing is kept.",
            [Marker] = "Integrity check the official clients may use; not in the 9.1 swagger.",
        };
        foreach (var (path, method) in new[] { ("/ImageStore/{contentPath}", "put"), ("/ImageStore/{contentPath}/$/UploadChunk", "put") })
        {
            var operation = paths[path]![method]!;
            operation["parameters"]!.AsArray().Add(new JsonObject { ["$ref"] = "#/parameters/ContentMd5OptionalHeaderParam" });
            operation["responses"]!["415"] = new JsonObject
            {
                ["description"] = "The body has a content coding (Content-Encoding other than identity, or Transfer-Encoding other than chunked): send it uncompressed.",
                ["schema"] = new JsonObject { ["$ref"] = "#/definitions/FabricError" },
                [Marker] = "The store keeps the bytes exactly as sent.",
            };
        }

        // The cluster manifest shim, so that the official .NET client uploads over HTTP.
        definitions["ClusterManifest"] = new JsonObject
        {
            ["description"] = "The cluster manifest, as the full Service Fabric API's GetClusterManifest answers it.",
            ["properties"] = new JsonObject { ["Manifest"] = new JsonObject { ["type"] = "string", ["description"] = "The manifest XML." } },
        };
        paths["/$/GetClusterManifest"] = new JsonObject
        {
            ["get"] = new JsonObject
            {
                ["summary"] = "A minimal cluster manifest saying ImageStoreConnectionString = fabric:ImageStore.",
                ["description"] = "The official .NET client reads this value to decide to upload through the image store's REST API; nothing else in the manifest describes this store.",
                ["operationId"] = "GetClusterManifest",
                ["tags"] = new JsonArray("Cluster"),
                ["parameters"] = new JsonArray(
                    new JsonObject { ["$ref"] = "#/parameters/ApiVersion_6-0_RequiredQueryParam" },
                    new JsonObject { ["$ref"] = "#/parameters/TimeoutOptionalQueryParam" }),
                ["responses"] = new JsonObject
                {
                    ["200"] = new JsonObject { ["description"] = "The manifest.", ["schema"] = new JsonObject { ["$ref"] = "#/definitions/ClusterManifest" } },
                    ["default"] = new JsonObject { ["description"] = "The detailed error response.", ["schema"] = new JsonObject { ["$ref"] = "#/definitions/FabricError" } },
                },
                [Marker] = "Part of the full Service Fabric API, outside the image store subset; served minimally.",
            },
        };

        // Where sfctl (cluster select --aad) and the .NET client learn how to sign in; unauthenticated.
        definitions["AadMetadataObject"] = new JsonObject
        {
            ["description"] = "Metadata used to sign in with Microsoft Entra ID, as the Service Fabric gateway answers it.",
            ["properties"] = new JsonObject
            {
                ["type"] = new JsonObject { ["type"] = "string", ["description"] = "\"aad\" when Entra ID is configured, else empty." },
                ["metadata"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["authority"] = new JsonObject { ["type"] = "string" },
                        ["client"] = new JsonObject { ["type"] = "string" },
                        ["cluster"] = new JsonObject { ["type"] = "string" },
                        ["login"] = new JsonObject { ["type"] = "string" },
                        ["redirect"] = new JsonObject { ["type"] = "string" },
                        ["tenant"] = new JsonObject { ["type"] = "string" },
                    },
                },
            },
        };
        paths["/$/GetAadMetadata"] = new JsonObject
        {
            ["get"] = new JsonObject
            {
                ["summary"] = "The Entra ID sign-in metadata of this server (ImageStore:Security:AzureActiveDirectory).",
                ["description"] = "Answered without authentication, as on a Service Fabric gateway, so that clients can find the authority and the cluster application before they have a token.",
                ["operationId"] = "GetAadMetadata",
                ["tags"] = new JsonArray("Cluster"),
                ["parameters"] = new JsonArray(
                    new JsonObject { ["$ref"] = "#/parameters/ApiVersion_6-0_RequiredQueryParam" },
                    new JsonObject { ["$ref"] = "#/parameters/TimeoutOptionalQueryParam" }),
                ["responses"] = new JsonObject
                {
                    ["200"] = new JsonObject { ["description"] = "The metadata.", ["schema"] = new JsonObject { ["$ref"] = "#/definitions/AadMetadataObject" } },
                    ["default"] = new JsonObject { ["description"] = "The detailed error response.", ["schema"] = new JsonObject { ["$ref"] = "#/definitions/FabricError" } },
                },
                [Marker] = "Part of the full Service Fabric API, outside the image store subset.",
            },
        };

        // The open upload sessions under a folder, for the explorer and for operators.
        definitions["UploadSessionList"] = new JsonObject
        {
            ["description"] = "The open upload sessions on a path or below it, in path order.",
            ["properties"] = new JsonObject
            {
                ["UploadSessions"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["$ref"] = "#/definitions/UploadSessionInfo" } },
                ["Truncated"] = new JsonObject { ["type"] = "boolean", ["description"] = $"Present (true) when more than {Http.Operations.ListUploadSessions.Limit} sessions are open there: list a deeper folder." },
            },
        };
        foreach (var (path, operationId, where) in new[]
        {
            ("/ImageStore/{contentPath}/$/ListUploadSessions", "ListUploadSessions", "on contentPath or below it"),
            ("/ImageStore/$/ListUploadSessions", "ListRootUploadSessions", "in the whole store"),
        })
        {
            var operationParameters = new JsonArray(
                new JsonObject { ["$ref"] = "#/parameters/ApiVersion_6-0_RequiredQueryParam" },
                new JsonObject { ["$ref"] = "#/parameters/TimeoutOptionalQueryParam" });
            if (path.Contains("{contentPath}", StringComparison.Ordinal))
            {
                operationParameters.Insert(0, new JsonObject { ["$ref"] = "#/parameters/ImageStoreContentPathRequiredPathParam" });
            }

            paths[path] = new JsonObject
            {
                ["get"] = new JsonObject
                {
                    ["summary"] = $"The open upload sessions {where}, each as GetUploadSession describes it.",
                    ["description"] = $"At most {Http.Operations.ListUploadSessions.Limit} sessions, in path order. Readers may call it. 204 with no body when none is open.",
                    ["operationId"] = operationId,
                    ["tags"] = new JsonArray("ImageStore"),
                    ["parameters"] = operationParameters,
                    ["responses"] = new JsonObject
                    {
                        ["200"] = new JsonObject { ["description"] = "The sessions.", ["schema"] = new JsonObject { ["$ref"] = "#/definitions/UploadSessionList" } },
                        ["204"] = new JsonObject { ["description"] = "No upload session is open there." },
                        ["default"] = new JsonObject { ["description"] = "The detailed error response.", ["schema"] = new JsonObject { ["$ref"] = "#/definitions/FabricError" } },
                    },
                    [Marker] = "Service Fabric has no listing of upload sessions; the explorer shows the sessions open under a folder with it.",
                },
            };
        }

        // Health probes.
        definitions["HealthReport"] = new JsonObject
        {
            ["description"] = "The probe's status and, for readiness, the storage check.",
            ["properties"] = new JsonObject
            {
                ["status"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("Healthy", "Degraded", "Unhealthy") },
                ["checks"] = new JsonObject
                {
                    ["type"] = "object",
                    ["additionalProperties"] = new JsonObject
                    {
                        ["properties"] = new JsonObject
                        {
                            ["status"] = new JsonObject { ["type"] = "string" },
                            ["description"] = new JsonObject { ["type"] = "string" },
                            ["durationMs"] = new JsonObject { ["type"] = "number" },
                        },
                    },
                },
            },
        };
        paths[ImageStoreHealth.LivePath] = Probe("GetLiveness", "Liveness: the process answers HTTP. No check runs; no api-version, no authentication.");
        paths[ImageStoreHealth.ReadyPath] = Probe("GetReadiness", "Readiness: Blob Storage reachable and both containers present. No api-version, no authentication.");
        return doc;
    }

    /// <summary>The self-host's route for the document (anonymous, like the health probes).</summary>
    public static IEndpointRouteBuilder MapImageStoreOpenApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, WriteAsync).AllowAnonymous();
        return endpoints;
    }

    /// <summary>Writes the document (the Functions host's trigger uses this too).</summary>
    public static async Task WriteAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(Document.Value, context.RequestAborted);
    }

    private static JsonObject Probe(string operationId, string summary) => new()
    {
        ["get"] = new JsonObject
        {
            ["summary"] = summary,
            ["operationId"] = operationId,
            ["tags"] = new JsonArray("Health"),
            ["produces"] = new JsonArray("application/json"),
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject { ["description"] = "Healthy.", ["schema"] = new JsonObject { ["$ref"] = "#/definitions/HealthReport" } },
                ["503"] = new JsonObject { ["description"] = "Unhealthy; the storage check's description says why.", ["schema"] = new JsonObject { ["$ref"] = "#/definitions/HealthReport" } },
            },
            [Marker] = "Probes for load balancers and Azure's health check setting.",
        },
    };
}
