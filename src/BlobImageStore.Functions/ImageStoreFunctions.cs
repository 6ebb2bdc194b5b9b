using BlobImageStore.Health;
using BlobImageStore.Http;
using BlobImageStore.OpenApi;
using BlobImageStore.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlobImageStore.Functions;

/// <summary>
/// The image store's HTTP triggers. Each hands the request, unchanged, to <see cref="ImageStoreEndpoint"/>, the door the
/// self-host opens too, which finds the operation in the same table, runs it and writes the response; the function then
/// returns an <see cref="EmptyResult"/>, so the response the handler wrote is the one sent. With the route prefix ""
/// (host.json) the URLs are the gateway's own: <c>/ImageStore</c>, <c>/ImageStore/{contentPath}/$/UploadChunk</c>, ...
/// All methods are accepted, as on the self-host, so a wrong method gets the endpoint's FabricError, not the host's 404.
/// Cluster-level routes outside /ImageStore (<c>/$/GetClusterManifest</c>, which the .NET client reads before it uploads)
/// are one more method each, with their own route.
/// </summary>
public sealed class ImageStoreFunctions(ImageStoreEndpoint endpoint, CallerAuthentication authentication, ImageStoreRateLimits limits)
{
    /// <summary>
    /// The level compiled into the metadata: function keys. At start <see cref="FunctionAuthorizationLevel"/> makes it
    /// anonymous when <c>ImageStore:Security</c> configures Entra ID or client certificates (the app then authenticates).
    /// </summary>
    public const AuthorizationLevel Level = AuthorizationLevel.Function;

    public const string RootRoute = "ImageStore";
    public const string PathRoute = "ImageStore/{*rest}";
    public const string ClusterManifestRoute = "$/GetClusterManifest";
    public const string AadMetadataRoute = "$/GetAadMetadata";

    /// <summary><c>/ImageStore/...</c>: every operation with a content path or a <c>$/</c> name.</summary>
    [Function("ImageStore")]
    public Task<IActionResult> ImageStoreAsync([HttpTrigger(Level, Route = PathRoute)] HttpRequest request) => HandleAsync(request);

    /// <summary><c>/ImageStore</c> itself (GetImageStoreRootContent), which the catch-all route does not match.</summary>
    [Function("ImageStoreRoot")]
    public Task<IActionResult> ImageStoreRootAsync([HttpTrigger(Level, Route = RootRoute)] HttpRequest request) => HandleAsync(request);

    /// <summary><c>/$/GetClusterManifest</c>: the manifest shim that makes the official .NET client upload over HTTP.</summary>
    [Function("ClusterManifest")]
    public Task<IActionResult> ClusterManifestAsync([HttpTrigger(Level, Route = ClusterManifestRoute)] HttpRequest request) => HandleAsync(request);

    /// <summary><c>/$/GetAadMetadata</c>: where sfctl and the .NET client sign in (served without authentication by the app).</summary>
    [Function("AadMetadata")]
    public Task<IActionResult> AadMetadataAsync([HttpTrigger(Level, Route = AadMetadataRoute)] HttpRequest request) => HandleAsync(request);

    public const string LiveRoute = "healthz";
    public const string ReadyRoute = "readyz";
    public const string OpenApiRoute = "openapi/v1.json";

    /// <summary><c>/healthz</c>: liveness, anonymous whatever the API's keys (for Azure's health check and load balancers).</summary>
    [Function("Healthz")]
    public async Task<IActionResult> HealthzAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = LiveRoute)] HttpRequest request)
    {
        await ImageStoreHealth.AnswerAsync(request.HttpContext, ImageStoreHealth.LivePath);
        return new EmptyResult();
    }

    /// <summary><c>/readyz</c>: Blob Storage reachable and both containers present; anonymous.</summary>
    [Function("Readyz")]
    public async Task<IActionResult> ReadyzAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = ReadyRoute)] HttpRequest request)
    {
        await ImageStoreHealth.AnswerAsync(request.HttpContext, ImageStoreHealth.ReadyPath);
        return new EmptyResult();
    }

    /// <summary><c>/openapi/v1.json</c>: the API description (the official spec plus this server's additions); anonymous.</summary>
    [Function("OpenApi")]
    public async Task<IActionResult> OpenApiAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OpenApiRoute)] HttpRequest request)
    {
        await ImageStoreOpenApi.WriteAsync(request.HttpContext);
        return new EmptyResult();
    }

    private async Task<IActionResult> HandleAsync(HttpRequest request)
    {
        // The self-host's limits (ImageStore:Limits), entered here because the worker has no rate limiting middleware:
        // the caller first (uploads count per caller), then the permits; a rejected request has its 503 written.
        var context = request.HttpContext;
        await authentication.IdentifyAsync(context);
        using var lease = await limits.EnterAsync(context);
        if (lease is not null)
        {
            // The endpoint starts the operation's span (below the worker's invocation span) and tags both.
            await endpoint.HandleAsync(context);
        }

        return new EmptyResult();
    }
}
