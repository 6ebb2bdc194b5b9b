using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Security;

/// <summary>
/// The self-host's rule for anonymous access: with no client security configured, every address the server listens on
/// must be loopback. It reads the addresses Kestrel actually bound (whatever set them: <c>--urls</c>, <c>ASPNETCORE_URLS</c>,
/// <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c>, <c>Kestrel:Endpoints</c>), once the server has started. A
/// non-loopback address stops the server at once with exit code 3 and a message naming <c>ImageStore:Security</c> and
/// <c>AllowAnonymous</c>; meanwhile <see cref="CallerAuthentication"/> refuses anonymous requests that did not arrive on
/// a loopback address, so nothing is served in between. <c>AllowAnonymous=true</c> starts with a warning instead.
/// </summary>
public sealed partial class ListenAddressGuard(IOptions<ImageStoreSecurityOptions> security, ILogger<ListenAddressGuard> logger)
{
    public const int RefusedExitCode = 3;

    /// <summary>Whether the server may go on serving on these addresses (false: it must stop).</summary>
    public bool Check(IEnumerable<string> addresses)
    {
        var exposed = addresses.Where(a => !IsLoopback(a)).ToList();
        if (exposed.Count == 0 || security.Value.IsConfigured && !security.Value.AllowAnonymous)
        {
            return true;
        }

        if (security.Value.AllowAnonymous)
        {
            LogAnonymousExposed(logger, string.Join(", ", exposed));
            return true;
        }

        LogRefused(logger, string.Join(", ", exposed));
        return false;
    }

    /// <summary>Loopback: 127.0.0.0/8, ::1, and <c>localhost</c> (which Kestrel binds to loopback only).</summary>
    public static bool IsLoopback(string address)
    {
        if (!Uri.TryCreate(address.Replace("://+", "://any-host", StringComparison.Ordinal).Replace("://*", "://any-host", StringComparison.Ordinal),
                UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Refusing to serve: the server listens on {Addresses}, which is not a loopback address, and no client security is configured, so anyone who reaches it could read, overwrite and delete the whole store. Configure ImageStore:Security (ClientCertificateThumbprints, ClientCertificateCommonNames or AzureActiveDirectory), listen on 127.0.0.1 only, or set ImageStore:Security:AllowAnonymous=true to accept anonymous callers on purpose.")]
    private static partial void LogRefused(ILogger logger, string addresses);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ImageStore:Security:AllowAnonymous is true and the server listens on {Addresses}: anyone who reaches it can read, overwrite and delete the whole store.")]
    private static partial void LogAnonymousExposed(ILogger logger, string addresses);
}
