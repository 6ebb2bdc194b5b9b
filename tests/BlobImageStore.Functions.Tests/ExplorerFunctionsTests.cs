using System.Text;
using BlobImageStore.Functions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BlobImageStore.Functions.Tests;

/// <summary>The explorer page in the Functions app: the same redirect and files as the self-host, from the shared assets.</summary>
public sealed class ExplorerFunctionsTests
{
    private static async Task<(int Status, IHeaderDictionary Headers, string Body)> SendAsync(string path, bool root)
    {
        await using var app = InProcessFunctions.Create("UseDevelopmentStorage=true");
        var functions = ActivatorUtilities.CreateInstance<ExplorerFunctions>(app.Services);
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Request.Method = "GET";
        context.Request.Path = path;
        var body = new MemoryStream();
        context.Response.Body = body;
        var result = root ? await functions.RootAsync(context.Request) : await functions.ExplorerAsync(context.Request);
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        return (context.Response.StatusCode, context.Response.Headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task The_site_root_redirects_to_the_explorer_page()
    {
        var (status, headers, _) = await SendAsync("/", root: true);

        Assert.Equal(StatusCodes.Status302Found, status);
        Assert.Equal("/Explorer/index.html", headers.Location.ToString());
    }

    [Fact]
    public async Task The_page_is_served_with_its_content_security_policy()
    {
        var (status, headers, body) = await SendAsync("/Explorer/index.html", root: false);

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Contains("<title>Image Store Explorer</title>", body);
        Assert.Equal(Explorer.ExplorerAssets.ContentSecurityPolicy, headers.ContentSecurityPolicy.ToString());
    }
}
