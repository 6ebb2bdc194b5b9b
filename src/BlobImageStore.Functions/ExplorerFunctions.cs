using BlobImageStore.Explorer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlobImageStore.Functions;

/// <summary>
/// The Image Store Explorer page in the Functions host: <c>/</c> redirects to <c>/Explorer/index.html</c> and the page's
/// files are served from the shared <see cref="ExplorerAssets"/>, as on the self-host. Anonymous: the files are the
/// same for everyone and hold no data; every request the page makes to <c>/ImageStore</c> still goes through the image
/// store functions and their authorization level (with function keys the page asks for a key once per tab).
/// </summary>
public sealed class ExplorerFunctions(ExplorerAssets assets)
{
    /// <summary>Matches only the empty path (the site's root), which a plain "" route cannot express.</summary>
    public const string RootRoute = "{root:maxlength(0)?}";
    public const string ExplorerRoute = "Explorer/{*file}";

    [Function("ExplorerRoot")]
    public Task<IActionResult> RootAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = RootRoute)] HttpRequest request) =>
        HandleAsync(request);

    [Function("Explorer")]
    public Task<IActionResult> ExplorerAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = ExplorerRoute)] HttpRequest request) =>
        HandleAsync(request);

    private async Task<IActionResult> HandleAsync(HttpRequest request)
    {
        await assets.HandleAsync(request.HttpContext);
        return new EmptyResult();
    }
}
