using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace BlobImageStore.Explorer;

/// <summary>
/// The Image Store Explorer page: static files embedded in this assembly (nothing fetched at run time, no CDN), served
/// by both hosts from the same table. Rules it keeps:
/// <list type="bullet">
/// <item><c>GET /</c>, <c>/Explorer</c> and <c>/Explorer/</c> redirect (302) to <c>/Explorer/index.html</c>, as a
/// Service Fabric gateway does, so <c>sfctl cluster select</c> (a plain GET of <c>/</c> following redirects) gets a 2xx.</item>
/// <item>Only GET and HEAD; an unknown name is a plain 404 (these are not image store operations, so no FabricError).</item>
/// <item>Same origin only: a Content-Security-Policy that allows scripts, styles and requests to this origin alone and
/// no framing; no CORS header is ever sent.</item>
/// <item>Every answer carries a strong ETag and <c>Cache-Control: no-cache</c>, so a browser revalidates (304) and never
/// runs a page older than the server.</item>
/// </list>
/// </summary>
public sealed class ExplorerAssets
{
    /// <summary>Where the page lives, as on a Service Fabric gateway.</summary>
    public const string Prefix = "/Explorer";

    public const string IndexPath = Prefix + "/index.html";

    /// <summary>The policy of every explorer answer: this origin only, nothing inline, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private const string ResourcePrefix = "Explorer/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, Asset> _assets;

    public ExplorerAssets()
    {
        var assembly = typeof(ExplorerAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var type = ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..32] + "\"";
            assets[name[ResourcePrefix.Length..]] = new Asset(bytes, type, etag);
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The names served under <c>/Explorer/</c> (e.g. <c>index.html</c>, <c>vendor/spark-md5.min.js</c>).</summary>
    public IReadOnlyCollection<string> Names => _assets.Keys;

    /// <summary>Answers one request for <c>/</c> or a path under <c>/Explorer</c>.</summary>
    public Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }

        var path = request.Path.Value ?? "/";
        if (path is "" or "/" || string.Equals(path.TrimEnd('/'), Prefix, StringComparison.OrdinalIgnoreCase))
        {
            response.StatusCode = StatusCodes.Status302Found;
            response.Headers.Location = IndexPath;
            response.Headers.CacheControl = "no-cache";
            return Task.CompletedTask;
        }

        var name = path.StartsWith(Prefix + "/", StringComparison.OrdinalIgnoreCase) ? path[(Prefix.Length + 1)..] : null;
        if (name is null || !_assets.TryGetValue(name, out var asset))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var headers = response.Headers;
        headers.ContentType = asset.ContentType;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers[HeaderNames.XFrameOptions] = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        if (request.Headers.IfNoneMatch.Any(v => v is not null && (v == asset.ETag || v == "*")))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
