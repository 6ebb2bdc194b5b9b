using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BlobImageStore.Explorer;

public static class ExplorerEndpoints
{
    /// <summary>The self-host's routes of the explorer: <c>/</c> and <c>/Explorer[/…]</c> (GET and HEAD).</summary>
    public static IEndpointRouteBuilder MapImageStoreExplorer(this IEndpointRouteBuilder endpoints)
    {
        var assets = endpoints.ServiceProvider.GetRequiredService<ExplorerAssets>();
        RequestDelegate handle = assets.HandleAsync;
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        endpoints.MapMethods("/", methods, handle);
        endpoints.MapMethods(ExplorerAssets.Prefix, methods, handle);
        endpoints.MapMethods(ExplorerAssets.Prefix + "/{**file}", methods, handle);
        return endpoints;
    }
}
