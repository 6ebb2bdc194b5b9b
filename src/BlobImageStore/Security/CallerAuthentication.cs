using System.Net;
using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using BlobImageStore.Errors;
using BlobImageStore.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Security;

/// <summary>
/// Finds the <see cref="Caller"/> of a request by running ASP.NET Core's authentication handlers explicitly through
/// <see cref="IAuthenticationService"/> on the request's HttpContext (certificate, then Entra bearer token), so that
/// both hosts authenticate the same way: the Functions worker has no authentication middleware the app controls.
/// Rules:
/// <list type="bullet">
/// <item>Credentials that fail (expired or untrusted certificate, invalid token) are 401, whatever else is allowed.</item>
/// <item>A valid certificate that no setting allows, or a token without the Admin or User app role, is 403.</item>
/// <item>No credentials: 401 when security is configured, unless <c>AllowAnonymous</c>. Without security the self-host
/// serves anonymous callers only on a loopback connection, and the Functions app trusts the host's function-key check.</item>
/// </list>
/// </summary>
public sealed partial class CallerAuthentication(
    IOptions<ImageStoreSecurityOptions> options, SecurityHost host, ILogger<CallerAuthentication> logger)
{
    public const string CertificateScheme = CertificateAuthenticationDefaults.AuthenticationScheme;
    public const string EntraScheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>Claim type carrying the role this store gives a principal (<c>Admin</c> or <c>ReadOnly</c>).</summary>
    public const string RoleClaim = "imagestore/role";

    /// <summary>Claim type carrying the stable identity of <see cref="Caller.Identity"/>.</summary>
    public const string IdentityClaim = "imagestore/identity";

    private readonly ImageStoreSecurityOptions _options = options.Value;

    /// <summary>The caller, remembered on the request; a 401/403 <see cref="FabricException"/> when there is none.</summary>
    public async Task<Caller> AuthenticateAsync(HttpContext context)
    {
        if (Caller.Of(context) is { } known)
        {
            return known;
        }

        var caller = await FindAsync(context);
        context.Features.Set(caller);
        return caller;
    }

    /// <summary>
    /// Finds the caller before the limits, which count uploads per caller (<see cref="ImageStoreRateLimits"/>), without
    /// answering: a request without an acceptable caller is counted as unauthenticated, and the endpoint answers its
    /// 401/403 later, the same in both hosts. Exempt paths are skipped.
    /// </summary>
    public async Task IdentifyAsync(HttpContext context)
    {
        if (SecurityExemptions.IsExempt(context))
        {
            return;
        }

        try
        {
            await AuthenticateAsync(context);
        }
        catch (FabricException)
        {
            // answered by the endpoint
        }
    }

    private async Task<Caller> FindAsync(HttpContext context)
    {
        if (_options.CertificatesConfigured && await ClientCertificateAsync(context) is not null)
        {
            return await RunSchemeAsync(context, CertificateScheme, CallerKind.Certificate, "client certificate");
        }

        if (_options.AzureActiveDirectory is not null
            && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return await RunSchemeAsync(context, EntraScheme, CallerKind.Entra, "Entra ID token");
        }

        if (_options.AllowAnonymous)
        {
            return Caller.AnonymousAdmin;
        }

        if (!_options.IsConfigured)
        {
            if (host.Mode == HostAccessMode.FunctionKeys)
            {
                return Caller.FunctionKeyAdmin; // the Functions host checked the key before the request got here
            }

            if (IsLoopback(context.Connection.LocalIpAddress))
            {
                return Caller.AnonymousAdmin;
            }

            throw ErrorCatalogue.Refuse(ErrorCatalogue.LoopbackOnly());
        }

        throw ErrorCatalogue.Refuse(ErrorCatalogue.CredentialsRequired(_options.CertificatesConfigured, _options.AzureActiveDirectory?.ClusterApplication));
    }

    private async Task<Caller> RunSchemeAsync(HttpContext context, string scheme, CallerKind kind, string what)
    {
        var result = await context.RequestServices.GetRequiredService<IAuthenticationService>().AuthenticateAsync(context, scheme);
        if (!result.Succeeded || result.Principal is null)
        {
            if (kind == CallerKind.Entra && await IdentityProviderUnreachableAsync(context) is { } unreachable)
            {
                throw unreachable;
            }

            var reason = result.Failure?.Message ?? "it was not accepted";
            LogRejected(logger, what, reason);
            throw ErrorCatalogue.Refuse(ErrorCatalogue.CredentialRejected(what, reason, _options.CertificatesConfigured, _options.AzureActiveDirectory?.ClusterApplication));
        }

        var principal = result.Principal;
        var identity = principal.FindFirstValue(IdentityClaim) ?? kind.ToString();
        var role = principal.FindFirstValue(RoleClaim);
        if (role is null)
        {
            throw ErrorCatalogue.Refuse(kind == CallerKind.Certificate
                ? ErrorCatalogue.CertificateNotAllowed(identity["certificate:".Length..], principal.FindFirstValue(ClaimTypes.Name))
                : ErrorCatalogue.NoAppRole());
        }

        return new Caller(kind, identity, role == "Admin");
    }

    /// <summary>
    /// A token that failed may have failed only because the tenant's OpenID configuration and signing keys could not be
    /// fetched (the token handler then validates without keys). That is not the caller's fault: 503
    /// FABRIC_E_SERVICE_OFFLINE, as for unreachable storage, instead of a 401 that would send the user to sign in again.
    /// Asked only after a failure; the configuration manager answers from its cache while it holds a configuration.
    /// </summary>
    private async Task<FabricException?> IdentityProviderUnreachableAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(EntraScheme);
        if (options.ConfigurationManager is not { } configuration)
        {
            return null;
        }

        try
        {
            await configuration.GetConfigurationAsync(context.RequestAborted);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            LogIdentityProviderUnreachable(logger, options.MetadataAddress, e);
            return ErrorCatalogue.Refuse(ErrorCatalogue.IdentityProviderUnreachable(options.MetadataAddress), e);
        }
    }

    private async Task<X509Certificate2?> ClientCertificateAsync(HttpContext context)
    {
        var certificate = await context.Connection.GetClientCertificateAsync(context.RequestAborted);
        if (certificate is null && _options.ForwardedClientCertificateHeader is { Length: > 0 } header
            && context.Request.Headers[header].ToString() is { Length: > 0 } forwarded)
        {
            // App Service terminated TLS and checked nothing but the handshake: it passes the certificate in the header.
            // The certificate handler reads the connection's certificate and only on https, so set both.
            try
            {
                certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(forwarded));
            }
            catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
            {
                throw ErrorCatalogue.Refuse(ErrorCatalogue.ForwardedCertificateInvalid(header));
            }

            context.Connection.ClientCertificate = certificate;
            context.Request.Scheme = Uri.UriSchemeHttps;
        }

        return certificate;
    }

    public static bool IsLoopback(IPAddress? address) =>
        address is null // an in-process request (tests, or a host that gives no connection): nothing came over a network
        || IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The identity provider's configuration at {MetadataAddress} cannot be read: Entra ID tokens cannot be checked")]
    private static partial void LogIdentityProviderUnreachable(ILogger logger, string? metadataAddress, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected the {What}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string what, string reason);
}

/// <summary>What a host does about callers when no security is configured.</summary>
public enum HostAccessMode
{
    /// <summary>Self-host: anonymous callers on loopback connections only.</summary>
    LoopbackAnonymous,

    /// <summary>Functions: the host's function-key check (authorization level Function) already admitted the caller.</summary>
    FunctionKeys,
}

/// <summary>The host's <see cref="HostAccessMode"/>, registered by the host (the self-host's by default).</summary>
public sealed record SecurityHost(HostAccessMode Mode);
