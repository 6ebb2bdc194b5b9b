using System.Security.Cryptography.X509Certificates;
using Azure.Core;

namespace BlobImageStore.Client;

/// <summary>How the client reaches the image store.</summary>
public sealed class ImageStoreClientOptions
{
    /// <summary>The header an Azure Functions host reads a function key from.</summary>
    public const string FunctionsKeyHeader = "x-functions-key";

    /// <summary>The Service Fabric HTTP gateway address by default. A <see cref="HttpClient.BaseAddress"/> set on the
    /// HttpClient (e.g. by IHttpClientFactory configuration) takes precedence. May carry a path prefix
    /// (e.g. <c>https://host/api/</c>): requests go to <c>{Endpoint}/ImageStore/…</c>.</summary>
    public Uri Endpoint { get; set; } = new("http://127.0.0.1:19080");

    /// <summary>Sent as <c>x-functions-key</c> when set (a Functions-hosted store).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Deadline of one attempt of one request; also sent as the spec's <c>timeout</c> (seconds) so the server
    /// gives up at about the same time. A chunk must fit in it at the link's speed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Retries of transient failures (network errors, timeouts, 408, 429, 5xx).</summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>
    /// The client certificate presented in the TLS handshake (mutual TLS, as to a Service Fabric cluster's
    /// <c>ClientCertificateThumbprints</c> or <c>ClientCertificateCommonNames</c>). It needs its private key;
    /// <see cref="ClientCertificates.LoadPem(string)"/> and <see cref="ClientCertificates.LoadPem(string, string)"/> load
    /// one from PEM files as sfctl's <c>--pem</c> and <c>--cert</c>/<c>--key</c> take them.
    /// </summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>
    /// Certificates trusted for the server's certificate besides the system's roots: a private CA, or the server's own
    /// certificate (pinned). The server's certificate is accepted when the system trusts it, when it is one of these, or
    /// when it chains to one of them (revocation is not checked on that chain: private CAs rarely publish CRLs); its name must match the
    /// endpoint's host either way. <see cref="ClientCertificates.LoadCertificateAuthorities"/> reads a PEM bundle or a folder.
    /// </summary>
    public X509Certificate2Collection TrustedCertificates { get; } = [];

    /// <summary>
    /// Accept any server certificate, unchecked (sfctl's <c>--no-verify</c>). For a development certificate only:
    /// anyone on the network path can then impersonate the server. Logged as a warning when a connection is made.
    /// Prefer <see cref="TrustedCertificates"/>.
    /// </summary>
    public bool SkipServerCertificateValidation { get; set; }

    /// <summary>
    /// Entra ID: the credential (Azure.Identity: <c>DefaultAzureCredential</c>, <c>DeviceCodeCredential</c>, a managed
    /// identity…) whose access token is sent as <c>Authorization: Bearer</c>. The scope is
    /// <c>{cluster application}/.default</c>, the cluster application read once from the server's
    /// <c>GET /$/GetAadMetadata</c> (unless <see cref="TokenScope"/> says it). Tokens are cached and renewed
    /// <see cref="TokenRefreshMargin"/> before they expire (or at the credential's own refresh time); a token is never logged.
    /// </summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>
    /// Builds the credential from the cluster's Entra metadata (tenant, client application, login host) when
    /// <see cref="Credential"/> is not set: e.g. a <c>DeviceCodeCredential</c> for the cluster's client application, as
    /// sfctl's <c>cluster select --aad</c> signs in. Called once, after <c>GET /$/GetAadMetadata</c>.
    /// </summary>
    public Func<ClusterAadMetadata, TokenCredential>? CredentialFactory { get; set; }

    /// <summary>The scope to ask <see cref="Credential"/> for, instead of the one derived from <c>GET /$/GetAadMetadata</c>
    /// (e.g. <c>api://my-cluster-app/.default</c>).</summary>
    public string? TokenScope { get; set; }

    /// <summary>How long before its expiry a cached token is renewed (default 5 minutes).</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Exponential backoff with jitter for transient failures. 4xx answers are never retried here. A <c>Retry-After</c>
/// header (429, 503) sets the delay before the next attempt, up to <see cref="MaxRetryAfter"/>. A connection that cannot
/// be made at all (refused: nothing listens at the endpoint; or a host name that does not resolve) is retried at most
/// <see cref="MaxConnectRetries"/> times, so a mistyped endpoint fails within about a second and a half instead of
/// waiting through every retry.
/// </summary>
public sealed class RetryOptions
{
    /// <summary>Retries after the first attempt; 0 turns retrying off.</summary>
    public int MaxRetries { get; set; } = 6;

    /// <summary>Median delay before the first retry; it doubles with each retry.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest delay between two attempts of the backoff.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Retries of a request whose connection was refused or whose host did not resolve (default 2, within
    /// <see cref="MaxRetries"/>): with the default delays, about 1.5 s before the error surfaces.</summary>
    public int MaxConnectRetries { get; set; } = 2;

    /// <summary>Longest <c>Retry-After</c> honoured (default 60 s); a longer one waits this long.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);
}
