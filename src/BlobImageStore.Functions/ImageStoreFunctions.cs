using BlobImageStore.Http;
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
public sealed class ImageStoreFunctions(ImageStoreEndpoint endpoint)
{
    /// <summary>Function keys by default; <c>-p:ImageStoreAnonymous=true</c> for an app behind App Service authentication.</summary>
    public const AuthorizationLevel Level =
#if IMAGESTORE_ANONYMOUS
        AuthorizationLevel.Anonymous;
#else
        AuthorizationLevel.Function;
#endif

    public const string RootRoute = "ImageStore";
    public const string PathRoute = "ImageStore/{*rest}";
    public const string ClusterManifestRoute = "$/GetClusterManifest";

    /// <summary><c>/ImageStore/...</c>: every operation with a content path or a <c>$/</c> name.</summary>
    [Function("ImageStore")]
    public Task<IActionResult> ImageStoreAsync([HttpTrigger(Level, Route = PathRoute)] HttpRequest request) => HandleAsync(request);

    /// <summary><c>/ImageStore</c> itself (GetImageStoreRootContent), which the catch-all route does not match.</summary>
    [Function("ImageStoreRoot")]
    public Task<IActionResult> ImageStoreRootAsync([HttpTrigger(Level, Route = RootRoute)] HttpRequest request) => HandleAsync(request);

    /// <summary><c>/$/GetClusterManifest</c>: the manifest shim that makes the official .NET client upload over HTTP.</summary>
    [Function("ClusterManifest")]
    public Task<IActionResult> ClusterManifestAsync([HttpTrigger(Level, Route = ClusterManifestRoute)] HttpRequest request) => HandleAsync(request);

    private async Task<IActionResult> HandleAsync(HttpRequest request)
    {
        // The endpoint starts the operation's span (below the worker's invocation span) and tags both.
        await endpoint.HandleAsync(request.HttpContext);
        return new EmptyResult();
    }
}
