using BlobImageStore.Security;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace BlobImageStore.Server.Hosting;

/// <summary>
/// Kestrel as the security settings need it. HTTPS and client certificates are Kestrel's own endpoint settings, e.g.
/// <c>Kestrel:Endpoints:Https:Url</c>, <c>:Certificate:Path</c>/<c>:Password</c> and <c>:ClientCertificateMode</c>
/// (<c>AllowCertificate</c>: the health probes, <c>/$/GetAadMetadata</c> and Entra callers need none); this adds:
/// <list type="bullet">
/// <item>every client certificate passes the TLS handshake, so that the certificate authentication (<c>ImageStore:Security</c>)
/// decides, with a FabricError, instead of a handshake failure the clients cannot explain;</item>
/// <item><c>ImageStore:Limits:MaxConcurrentConnections</c> as Kestrel's <c>MaxConcurrentConnections</c>.</item>
/// </list>
/// </summary>
public static class KestrelSecurity
{
    public static void UseImageStoreKestrelSecurity(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var limits = context.Configuration.GetSection(ImageStoreLimitsOptions.SectionName).Get<ImageStoreLimitsOptions>() ?? new();
            kestrel.Limits.MaxConcurrentConnections = limits.MaxConcurrentConnections;
            kestrel.ConfigureHttpsDefaults(https => https.AllowAnyClientCertificate());
        });
    }
}
