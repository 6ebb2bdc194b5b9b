using System.Net.Http.Headers;
using System.Text.Json;
using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlobImageStore.Client;

/// <summary>
/// Adds <c>Authorization: Bearer</c> to each request, with the token of <see cref="BearerTokenSource"/>. The metadata
/// request it needs first goes through the same inner handlers (same TLS settings), without a token.
/// </summary>
internal sealed class BearerTokenHandler(BearerTokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri!.AbsolutePath.EndsWith("/$/GetAadMetadata", StringComparison.OrdinalIgnoreCase))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false); // anonymous by design: it says how to get a token
        }

        var token = await tokens.GetTokenAsync(request.RequestUri!, base.SendAsync, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>No credential: the request goes on as it is.</summary>
internal sealed class PassThroughHandler : DelegatingHandler;

/// <summary>
/// The Entra ID access token of one client: the scope from <c>GET /$/GetAadMetadata</c> (read once; a failed read is
/// tried again on the next request), the token cached and renewed before it expires, one renewal at a time. It lives as
/// long as the client's options (a singleton with dependency injection), not as long as a pooled handler. Tokens are
/// never logged; only their scope and expiry are.
/// </summary>
internal sealed partial class BearerTokenSource(ImageStoreClientOptions options, TimeProvider time, ILogger? logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private ClusterAadMetadata? _metadata;
    private TokenCredential? _credential;
    private Cached? _token;

    private sealed record Cached(string Token, DateTimeOffset RenewAt, DateTimeOffset ExpiresOn);

    /// <summary>Requests for <c>GET /$/GetAadMetadata</c> sent so far (tests check it is read once).</summary>
    internal int MetadataReads { get; private set; }

    public async ValueTask<string> GetTokenAsync(
        Uri requestUri, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        if (_token is { } fresh && time.GetUtcNow() < fresh.RenewAt)
        {
            return fresh.Token;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            if (_token is { } cached && now < cached.RenewAt)
            {
                return cached.Token;
            }

            try
            {
                var (credential, scope) = await CredentialAsync(requestUri, send, cancellationToken).ConfigureAwait(false);
                AccessToken token;
                try
                {
                    token = await credential.GetTokenAsync(new TokenRequestContext([scope]), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException and not ImageStoreAuthenticationException)
                {
                    throw new ImageStoreAuthenticationException(
                        $"No Entra ID token for {scope} from {credential.GetType().Name}: {e.Message}", e);
                }

                now = time.GetUtcNow();
                var renewAt = token.RefreshOn ?? token.ExpiresOn - options.TokenRefreshMargin;
                if (renewAt <= now)
                {
                    renewAt = now + (token.ExpiresOn - now) / 2; // a short-lived token: renew half-way
                }

                _token = new Cached(token.Token, renewAt, token.ExpiresOn);
                LogTokenAcquired(_logger, scope, token.ExpiresOn, renewAt);
                return token.Token;
            }
            catch (Exception e) when (e is not OperationCanceledException && _token is { } stale && now < stale.ExpiresOn - TimeSpan.FromSeconds(30))
            {
                // The renewal failed, but the token still has time left: use it, and try to renew on the next request.
                LogRenewalFailed(_logger, e.Message);
                return stale.Token;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<(TokenCredential Credential, string Scope)> CredentialAsync(
        Uri requestUri, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        if (options.Credential is { } given && options.TokenScope is { } fixedScope)
        {
            return (given, fixedScope);
        }

        var metadata = _metadata ??= await ReadMetadataAsync(requestUri, send, cancellationToken).ConfigureAwait(false);
        var credential = options.Credential ?? (_credential ??= options.CredentialFactory!(metadata));
        return (credential, options.TokenScope ?? metadata.Scope);
    }

    private async Task<ClusterAadMetadata> ReadMetadataAsync(
        Uri requestUri, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        var address = MetadataAddress(requestUri);
        MetadataReads++;
        using var request = new HttpRequestMessage(HttpMethod.Get, address);
        using var response = await send(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ImageStoreAuthenticationException(
                $"GET {address} answered {(int)response.StatusCode} {response.ReasonPhrase}: the Entra ID settings (the cluster application) could not be read. " +
                "Is the endpoint a Service Fabric gateway or an image store with ImageStore:Security:AzureActiveDirectory set?");
        }

        ClusterAadMetadata metadata;
        try
        {
            metadata = ClusterAadMetadata.Parse(body);
        }
        catch (JsonException e)
        {
            throw new ImageStoreAuthenticationException($"GET {address} did not answer an AadMetadataObject: {e.Message}", e);
        }

        if (!metadata.IsAad)
        {
            throw new ImageStoreAuthenticationException(
                $"The server at {address.GetLeftPart(UriPartial.Authority)} does not take Entra ID tokens (GetAadMetadata type '{metadata.Type}'): " +
                "it is secured with client certificates, or not at all. Use a client certificate (--pem, or --cert and --key) instead of --aad.");
        }

        LogMetadata(_logger, metadata.Tenant, metadata.Cluster);
        return metadata;
    }

    /// <summary><c>/$/GetAadMetadata</c> next to the <c>/ImageStore</c> routes of <paramref name="requestUri"/> (keeping a path prefix).</summary>
    internal static Uri MetadataAddress(Uri requestUri)
    {
        var path = requestUri.AbsolutePath;
        var at = path.IndexOf("/ImageStore", StringComparison.OrdinalIgnoreCase);
        var prefix = at >= 0 ? path[..at] : "";
        return new Uri(new Uri(requestUri.GetLeftPart(UriPartial.Authority)), prefix + "/$/GetAadMetadata?api-version=1.0");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Entra ID: tenant {Tenant}, cluster application {Cluster} (GetAadMetadata)")]
    private static partial void LogMetadata(ILogger logger, string? tenant, string? cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "Entra ID token for {Scope} acquired; expires {ExpiresOn:u}, renewed from {RenewAt:u}")]
    private static partial void LogTokenAcquired(ILogger logger, string scope, DateTimeOffset expiresOn, DateTimeOffset renewAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the Entra ID token failed ({Error}); the current one is used until it expires")]
    private static partial void LogRenewalFailed(ILogger logger, string error);
}
