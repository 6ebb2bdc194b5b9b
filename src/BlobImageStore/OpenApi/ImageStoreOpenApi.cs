using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using BlobImageStore.Health;
using BlobImageStore.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BlobImageStore.OpenApi;

/// <summary>
/// The served API description, at <c>/openapi/v1.json</c>: the official Service Fabric swagger subset
/// (<c>spec/servicefabric-imagestore.json</c>, Swagger 2.0, embedded in this assembly) unchanged for every operation it
/// describes, plus what this server adds, each addition marked <c>"x-blobimagestore": "&lt;why&gt;"</c>: the
/// <c>ContinuationToken</c> of listings (query parameter and answer member), the 204 answers the runtime sends,
/// <c>Content-MD5</c> on uploads, the 415 for content codings, the <c>/$/GetClusterManifest</c> shim, and the
/// <c>/healthz</c> and <c>/readyz</c> probes. No <c>host</c>: tools use the address they fetched the document from.
/// The document is built per configuration (<see cref="Build(ImageStoreSecurityOptions, HostAccessMode)"/>): it lists the
/// credentials the server accepts with these settings and the 401/403 answers exactly on the operations that can give
/// them (<see cref="AddSecurity"/>).
/// </summary>
public static class ImageStoreOpenApi
{
    public const string Path = "/openapi/v1.json";

    private const string Marker = "x-blobimagestore";
    private const string SpecResource = "BlobImageStore.servicefabric-imagestore.json";

    /// <summary>The served bytes, built once per host's security settings (one options instance per service provider).</summary>
    private static readonly ConditionalWeakTable<ImageStoreSecurityOptions, byte[]> Documents = new();

    /// <summary>The session operations that refuse a principal other than the session's starter (403, <c>NotOwner</c>).</summary>
    private static readonly string[] SessionOwnerOperations = ["UploadFileChunk", "CommitImageStoreUploadSession", "DeleteImageStoreUploadSession"];

    /// <summary>The official swagger subset as vendored in <c>spec/</c>.</summary>
    public static JsonObject LoadOfficialSpec()
    {
        using var stream = typeof(ImageStoreOpenApi).Assembly.GetManifestResourceStream(SpecResource)
            ?? throw new InvalidOperationException($"The embedded resource {SpecResource} is missing.");
        return JsonNode.Parse(stream)!.AsObject();
    }

    /// <summary>The document of a self-host without <c>ImageStore:Security</c> (anonymous on loopback).</summary>
    public static JsonObject Build() => Build(new ImageStoreSecurityOptions(), HostAccessMode.LoopbackAnonymous);

    /// <summary>The document a host with these security settings serves.</summary>
    public static JsonObject Build(ImageStoreSecurityOptions security, HostAccessMode mode)
    {
        var doc = BuildOperations();
        AddSecurity(doc, security, mode);
        return doc;
    }

    private static JsonObject BuildOperations()
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

    /// <summary>Writes the document for the host's security settings (the Functions host's trigger uses this too).</summary>
    public static async Task WriteAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var security = services.GetService<IOptions<ImageStoreSecurityOptions>>()?.Value ?? new ImageStoreSecurityOptions();
        var mode = services.GetService<SecurityHost>()?.Mode ?? HostAccessMode.LoopbackAnonymous;
        var document = Documents.GetValue(security, s => JsonSerializer.SerializeToUtf8Bytes(Build(s, mode), new JsonSerializerOptions { WriteIndented = true }));
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(document, context.RequestAborted);
    }

    /// <summary>
    /// What authentication the host applies, as the document says it (the rules are <see cref="CallerAuthentication"/>
    /// and <see cref="ImageStoreAccess"/>; the paths served without credentials are <see cref="SecurityExemptions"/>):
    /// <list type="bullet">
    /// <item>Entra ID or client certificates configured: every operation outside <see cref="SecurityExemptions"/> lists
    /// 401 (no credentials, unless <c>AllowAnonymous</c>; credentials that fail) and 403 (valid credentials no setting
    /// allows; on the writing operations also a ReadOnly caller). Entra ID is an <c>oauth2</c> security scheme; a client
    /// certificate (TLS, which Swagger 2.0 cannot name as a scheme) is described in <c>x-blobimagestore-clientCertificate</c>.</item>
    /// <item>Functions without <c>ImageStore:Security</c>: the host checks a function key on every API trigger (all but the
    /// probes), answering a plain 401 without body; two <c>apiKey</c> schemes (<c>x-functions-key</c>, <c>code</c>).</item>
    /// <item>Self-host without security, or only <c>AllowAnonymous</c>: no scheme and no 401 (the self-host then listens
    /// on loopback addresses only, <see cref="ListenAddressGuard"/>).</item>
    /// </list>
    /// In every mode the three session operations list the 403 of a session started by another principal.
    /// </summary>
    private static void AddSecurity(JsonObject doc, ImageStoreSecurityOptions security, HostAccessMode mode)
    {
        var definitions = new JsonObject();
        var functionKeys = mode == HostAccessMode.FunctionKeys && !security.IsConfigured && !security.AllowAnonymous;
        var appAuthenticates = security.IsConfigured;
        if (security.AzureActiveDirectory is { } aad)
        {
            definitions["entraId"] = new JsonObject
            {
                ["type"] = "oauth2",
                ["flow"] = "accessCode",
                ["authorizationUrl"] = $"{aad.Authority}/oauth2/v2.0/authorize",
                ["tokenUrl"] = $"{aad.Authority}/oauth2/v2.0/token",
                ["scopes"] = new JsonObject { [$"{aad.ClusterApplication}/.default"] = "The app roles the account holds in the cluster application: Admin writes, User (ReadOnly) reads." },
                ["description"] = $"A Microsoft Entra ID bearer token (Authorization: Bearer) of tenant {aad.TenantId} for the cluster application {aad.ClusterApplication} " +
                    $"(audience its id or api://{aad.ClusterApplication}), with the app role Admin or User. Clients find these values at /$/GetAadMetadata; any flow that yields such a token will do (device code, client credentials).",
                [Marker] = "ImageStore:Security:AzureActiveDirectory, as a Service Fabric cluster's azureActiveDirectory section.",
            };
        }

        if (functionKeys)
        {
            definitions["functionKey"] = new JsonObject
            {
                ["type"] = "apiKey",
                ["in"] = "header",
                ["name"] = "x-functions-key",
                ["description"] = "A function key or host key of the Function App; checked by the Functions host before the request reaches the image store.",
                [Marker] = "Azure Functions with no ImageStore:Security: the triggers' authorization level is Function.",
            };
            definitions["functionKeyQuery"] = new JsonObject
            {
                ["type"] = "apiKey",
                ["in"] = "query",
                ["name"] = "code",
                ["description"] = "The same key as the code query parameter, for clients that cannot add a header.",
                [Marker] = "Azure Functions with no ImageStore:Security: the triggers' authorization level is Function.",
            };
        }

        if (definitions.Count > 0)
        {
            doc["securityDefinitions"] = definitions;
        }

        if (security.CertificatesConfigured)
        {
            doc[Marker + "-clientCertificate"] = new JsonObject
            {
                ["description"] = "A TLS client certificate, allowed by thumbprint (ImageStore:Security:ClientCertificateThumbprints) or by common name and issuer " +
                    "(ClientCertificateCommonNames), in its validity period, with the client-authentication usage, chaining to a trusted root; its entry's IsAdmin " +
                    "makes an admin, else a reader. Swagger 2.0 has no security scheme type for mutual TLS, hence this extension." +
                    (security.ForwardedClientCertificateHeader is { } header ? $" The certificate reaches the app in the {header} header set by the TLS-terminating front end (App Service); clients present it in the TLS handshake." : string.Empty),
            };
        }

        var credentials = string.Join(" or ", new[]
        {
            security.CertificatesConfigured ? "a client certificate" : null,
            security.AzureActiveDirectory is not null ? "an Entra ID bearer token" : null,
        }.Where(c => c is not null));
        foreach (var (path, methods) in doc["paths"]!.AsObject())
        {
            foreach (var (method, node) in methods!.AsObject())
            {
                var operation = node!.AsObject();
                var responses = operation["responses"]!.AsObject();
                var writes = method is not ("get" or "head");
                if (appAuthenticates && !SecurityExemptions.IsExempt(path))
                {
                    var requirements = new JsonArray();
                    if (security.AzureActiveDirectory is not null)
                    {
                        requirements.Add(new JsonObject { ["entraId"] = new JsonArray() });
                    }

                    if (security.AllowAnonymous)
                    {
                        requirements.Add(new JsonObject());
                    }

                    if (requirements.Count > 0)
                    {
                        operation["security"] = requirements;
                    }

                    responses["401"] = new JsonObject
                    {
                        ["description"] = (security.AllowAnonymous ? $"Credentials that fail (callers without credentials are served, ImageStore:Security:AllowAnonymous): send {credentials} the server accepts."
                            : $"No credentials, or credentials that fail (expired or untrusted certificate; token expired, for another audience or tenant, or badly signed): send {credentials}.") + " FabricError E_ACCESSDENIED.",
                        ["schema"] = new JsonObject { ["$ref"] = "#/definitions/FabricError" },
                        [Marker] = "ImageStore:Security is configured: the server authenticates every request outside its unauthenticated paths.",
                    };
                    responses["403"] = new JsonObject
                    {
                        ["description"] = "Valid credentials that no setting allows (a certificate in no entry, a token without the Admin or User app role)" +
                            (writes ? "; or a ReadOnly caller: this operation changes the store and needs the Admin role" : string.Empty) +
                            (SessionOwnerOperations.Contains(operation["operationId"]?.GetValue<string>()) ? "; or the upload session was started by another principal" : string.Empty) +
                            ". FabricError E_ACCESSDENIED.",
                        ["schema"] = new JsonObject { ["$ref"] = "#/definitions/FabricError" },
                        [Marker] = "ImageStore:Security is configured: readers may only GET; only admins write.",
                    };
                }
                else if (functionKeys && path is not (ImageStoreHealth.LivePath or ImageStoreHealth.ReadyPath))
                {
                    operation["security"] = new JsonArray(new JsonObject { ["functionKey"] = new JsonArray() }, new JsonObject { ["functionKeyQuery"] = new JsonArray() });
                    responses["401"] = new JsonObject
                    {
                        ["description"] = "No valid function key: the Functions host's plain 401, without a body; the request never reached the image store.",
                        [Marker] = "Azure Functions with no ImageStore:Security: the triggers' authorization level is Function.",
                    };
                }

                if (responses["403"] is null && SessionOwnerOperations.Contains(operation["operationId"]?.GetValue<string>()))
                {
                    responses["403"] = new JsonObject
                    {
                        ["description"] = "The upload session was started by another principal (only with several principals: under ImageStore:Security, or a session started under earlier settings). Nothing was changed; FabricError E_ACCESSDENIED.",
                        ["schema"] = new JsonObject { ["$ref"] = "#/definitions/FabricError" },
                        [Marker] = "Upload sessions are bound to the principal that sends their first chunk.",
                    };
                }
            }
        }
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
