using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Security;

/// <summary>
/// The one list of paths served without authentication: the health probes, the start page and the Explorer (which
/// signs the user in itself), and <c>/$/GetAadMetadata</c>, which sfctl and the .NET client read before they have a
/// token, as on a Service Fabric gateway. Everything else needs a caller the security settings accept.
/// </summary>
public static class SecurityExemptions
{
    /// <summary>Exact paths (case-insensitive).</summary>
    public static IReadOnlyList<string> Paths { get; } = ["/", "/healthz", "/readyz", "/$/GetAadMetadata"];

    /// <summary>Path prefixes (<c>/Explorer*</c>: the page and its assets).</summary>
    public static IReadOnlyList<string> Prefixes { get; } = ["/Explorer"];

    public static bool IsExempt(HttpContext context) => IsExempt(context.Request.PathBase.Add(context.Request.Path).Value);

    public static bool IsExempt(string? path)
    {
        path = string.IsNullOrEmpty(path) ? "/" : path.Length > 1 ? path.TrimEnd('/') : path;
        return Paths.Any(p => string.Equals(p, path, StringComparison.OrdinalIgnoreCase))
            || Prefixes.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase));
    }
}
