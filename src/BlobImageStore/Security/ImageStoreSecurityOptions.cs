using System.Security.Cryptography.X509Certificates;

namespace BlobImageStore.Security;

/// <summary>
/// The <c>ImageStore:Security</c> section, shaped like a Service Fabric cluster's client security so an operator
/// recognises it: admin and read-only client certificates by thumbprint or by common name and issuer, Microsoft Entra ID
/// (<c>AzureActiveDirectory</c>: tenant, cluster application, client application), and <c>AllowAnonymous</c>.
/// With none of them configured the self-host serves anonymously on loopback addresses only
/// (<see cref="ListenAddressGuard"/>), and the Functions app relies on function keys.
/// </summary>
public sealed class ImageStoreSecurityOptions
{
    public const string SectionName = "ImageStore:Security";

    /// <summary>Client certificates allowed by thumbprint (SF <c>ClientCertificateThumbprints</c>).</summary>
    public List<ClientCertificateThumbprint> ClientCertificateThumbprints { get; set; } = [];

    /// <summary>Client certificates allowed by subject common name and issuer (SF <c>ClientCertificateCommonNames</c>).</summary>
    public List<ClientCertificateCommonName> ClientCertificateCommonNames { get; set; } = [];

    /// <summary>Microsoft Entra ID bearer tokens (SF <c>azureActiveDirectory</c>); null when not configured.</summary>
    public AzureActiveDirectorySettings? AzureActiveDirectory { get; set; }

    /// <summary>Serve callers without credentials (as admins, like an unsecured cluster). Default false.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// How a client certificate's chain is checked for revocation. <c>Online</c> (default) fetches CRLs/OCSP named in
    /// the certificates; <c>Offline</c> uses cached ones; <c>NoCheck</c> for private CAs that publish none.
    /// </summary>
    public X509RevocationMode CertificateRevocationMode { get; set; } = X509RevocationMode.Online;

    /// <summary>
    /// Files (PEM or DER) of the CA certificates that client certificates must chain to, instead of the machine's trusted
    /// roots: for a private CA that the host does not trust. Empty: the machine's trusted roots.
    /// </summary>
    public List<string> ClientCertificateAuthorities { get; set; } = [];

    /// <summary>
    /// A request header that carries the client certificate (base64 DER) when a TLS-terminating front end checked it:
    /// <c>X-ARR-ClientCert</c> behind App Service / Azure Functions with <c>clientCertEnabled</c>. Only set it where that
    /// front end is the only way in, because the header is believed as if it were the TLS handshake.
    /// </summary>
    public string? ForwardedClientCertificateHeader { get; set; }

    /// <summary>
    /// Forgets entries that hold nothing (deployment templates set every setting name and leave the other modes' values
    /// empty): an <c>AzureActiveDirectory</c> section whose TenantId, ClusterApplication and ClientApplication are all
    /// empty, a common-name entry with neither name nor issuer, a thumbprint entry without a thumbprint. A partly filled
    /// entry stays and is refused by the validator.
    /// </summary>
    public void IgnoreEmptyEntries()
    {
        if (AzureActiveDirectory is { } aad && string.IsNullOrWhiteSpace(aad.TenantId)
            && string.IsNullOrWhiteSpace(aad.ClusterApplication) && string.IsNullOrWhiteSpace(aad.ClientApplication))
        {
            AzureActiveDirectory = null;
        }

        ClientCertificateCommonNames.RemoveAll(c =>
            string.IsNullOrWhiteSpace(c.CertificateCommonName) && string.IsNullOrWhiteSpace(c.CertificateIssuerThumbprint));
        ClientCertificateThumbprints.RemoveAll(t => string.IsNullOrWhiteSpace(t.CertificateThumbprint));
        if (string.IsNullOrWhiteSpace(ForwardedClientCertificateHeader))
        {
            ForwardedClientCertificateHeader = null;
        }
    }

    /// <summary>True when some kind of client authentication (certificates or Entra ID) is configured.</summary>
    public bool IsConfigured =>
        ClientCertificateThumbprints.Count > 0 || ClientCertificateCommonNames.Count > 0 || AzureActiveDirectory is not null;

    public bool CertificatesConfigured => ClientCertificateThumbprints.Count > 0 || ClientCertificateCommonNames.Count > 0;
}

/// <summary>One allowed certificate by thumbprint (SHA-1, hex, as Windows and Service Fabric show it).</summary>
public sealed class ClientCertificateThumbprint
{
    public string CertificateThumbprint { get; set; } = "";

    public bool IsAdmin { get; set; }
}

/// <summary>
/// Certificates allowed by subject common name, optionally pinned to issuers: <c>CertificateIssuerThumbprint</c> is a
/// comma-separated list of issuer thumbprints (empty: any issuer the chain trusts), as in Service Fabric.
/// </summary>
public sealed class ClientCertificateCommonName
{
    public string CertificateCommonName { get; set; } = "";

    public string? CertificateIssuerThumbprint { get; set; }

    public bool IsAdmin { get; set; }

    public IReadOnlyList<string> IssuerThumbprints =>
        (CertificateIssuerThumbprint ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Thumbprints.Normalise).ToList();
}

/// <summary>
/// Entra ID as Service Fabric configures it: the tenant, the cluster (web API) application whose id is the tokens'
/// audience and whose app roles <c>Admin</c> and <c>User</c> (display name ReadOnly) make admins and readers, and the
/// client (native) application that sfctl and the .NET client sign in with.
/// </summary>
public sealed class AzureActiveDirectorySettings
{
    public string TenantId { get; set; } = "";

    public string ClusterApplication { get; set; } = "";

    public string ClientApplication { get; set; } = "";

    /// <summary>The Entra sign-in endpoint (SF <c>AADLoginEndpoint</c>); another cloud's for sovereign clouds.</summary>
    public string Instance { get; set; } = "https://login.microsoftonline.com";

    /// <summary>Redirect URI the native client uses (SF <c>AADClientRedirectUri</c>).</summary>
    public string ClientRedirectUri { get; set; } = "urn:ietf:wg:oauth:2.0:oob";

    /// <summary>
    /// The OpenID Connect document with the signing keys; default <c>{Instance}/{TenantId}/v2.0/.well-known/openid-configuration</c>.
    /// Plain http is accepted only for a loopback address (a local test issuer).
    /// </summary>
    public string? MetadataAddress { get; set; }

    public string Authority => $"{Instance.TrimEnd('/')}/{TenantId}";

    public string EffectiveMetadataAddress => MetadataAddress ?? $"{Authority}/v2.0/.well-known/openid-configuration";
}

internal static class Thumbprints
{
    /// <summary>Upper-case hex without separators (operators paste thumbprints with spaces or colons).</summary>
    public static string Normalise(string thumbprint) =>
        new string(thumbprint.Where(char.IsAsciiHexDigit).ToArray()).ToUpperInvariant();
}
