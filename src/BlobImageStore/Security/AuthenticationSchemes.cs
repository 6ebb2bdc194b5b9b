using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace BlobImageStore.Security;

/// <summary>
/// Configures the two ASP.NET Core handlers from <c>ImageStore:Security</c> and maps what they accept to this store's
/// two roles (claims <see cref="CallerAuthentication.RoleClaim"/> and <see cref="CallerAuthentication.IdentityClaim"/>):
/// <list type="bullet">
/// <item>Certificate: the handler checks validity period, key usage and the chain (machine roots, or
/// <c>ClientCertificateAuthorities</c>); then a thumbprint entry, or a common-name entry whose issuer thumbprint matches the
/// chain's issuer, gives the role of its <c>IsAdmin</c>. A thumbprint entry wins over a common-name entry; if several
/// entries match, admin wins (as Service Fabric: the admin lists are checked first).</item>
/// <item>Entra ID: audience the cluster application (its id or <c>api://{id}</c>), issuer the tenant (v1 or v2 tokens),
/// <c>tid</c> the tenant; the app role <c>Admin</c> makes an admin, <c>User</c> a reader (the values Service Fabric's
/// SetupApplications.ps1 gives its Admin and ReadOnly roles; <c>ReadOnly</c> is accepted too).</item>
/// </list>
/// </summary>
internal sealed class CertificateSchemeSetup(IOptions<ImageStoreSecurityOptions> security)
    : IConfigureNamedOptions<CertificateAuthenticationOptions>
{
    public void Configure(CertificateAuthenticationOptions options) => Configure(CallerAuthentication.CertificateScheme, options);

    public void Configure(string? name, CertificateAuthenticationOptions options)
    {
        if (name != CallerAuthentication.CertificateScheme)
        {
            return;
        }

        var settings = security.Value;
        options.AllowedCertificateTypes = CertificateTypes.All;
        options.ValidateValidityPeriod = true;
        options.ValidateCertificateUse = true;
        options.RevocationMode = settings.CertificateRevocationMode;
        options.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        var authorities = new X509Certificate2Collection();
        foreach (var file in settings.ClientCertificateAuthorities)
        {
            authorities.Add(X509CertificateLoader.LoadCertificateFromFile(file));
        }

        if (authorities.Count > 0)
        {
            options.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
            options.CustomTrustStore = authorities;
        }

        options.Events = new CertificateAuthenticationEvents
        {
            OnCertificateValidated = context =>
            {
                var certificate = context.ClientCertificate;
                var thumbprint = certificate.Thumbprint.ToUpperInvariant();
                var claims = new List<Claim>
                {
                    new(CallerAuthentication.IdentityClaim, "certificate:" + thumbprint),
                    new(ClaimTypes.Name, certificate.Subject),
                };
                if (RoleOf(settings, certificate, authorities) is { } isAdmin)
                {
                    claims.Add(new Claim(CallerAuthentication.RoleClaim, isAdmin ? "Admin" : "ReadOnly"));
                }

                context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, context.Scheme.Name));
                context.Success();
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>True admin, false reader, null not allowed.</summary>
    internal static bool? RoleOf(ImageStoreSecurityOptions settings, X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        var thumbprint = certificate.Thumbprint.ToUpperInvariant();
        var byThumbprint = settings.ClientCertificateThumbprints
            .Where(t => Thumbprints.Normalise(t.CertificateThumbprint) == thumbprint).ToList();
        if (byThumbprint.Count > 0)
        {
            return byThumbprint.Any(t => t.IsAdmin);
        }

        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var byName = settings.ClientCertificateCommonNames
            .Where(c => string.Equals(c.CertificateCommonName, commonName, StringComparison.OrdinalIgnoreCase)).ToList();
        if (byName.Count == 0)
        {
            return null;
        }

        var issuer = IssuerThumbprint(certificate, authorities);
        var matching = byName.Where(c => c.IssuerThumbprints.Count == 0 || (issuer is not null && c.IssuerThumbprints.Contains(issuer))).ToList();
        return matching.Count == 0 ? null : matching.Any(c => c.IsAdmin);
    }

    private static string? IssuerThumbprint(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // the handler already checked revocation
        if (authorities.Count > 0)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        }

        chain.Build(certificate);
        return chain.ChainElements.Count > 1 ? chain.ChainElements[1].Certificate.Thumbprint.ToUpperInvariant() : null;
    }
}

internal sealed class EntraSchemeSetup(IOptions<ImageStoreSecurityOptions> security) : IConfigureNamedOptions<JwtBearerOptions>
{
    /// <summary>App role values that make an admin, and a reader.</summary>
    public static readonly string[] AdminRoles = ["Admin"];
    public static readonly string[] ReaderRoles = ["User", "ReadOnly"];

    public void Configure(JwtBearerOptions options) => Configure(CallerAuthentication.EntraScheme, options);

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name != CallerAuthentication.EntraScheme || security.Value.AzureActiveDirectory is not { } aad)
        {
            return;
        }

        var metadata = new Uri(aad.EffectiveMetadataAddress);
        options.MetadataAddress = metadata.ToString();
        options.RequireHttpsMetadata = metadata.Scheme == Uri.UriSchemeHttps;
        options.MapInboundClaims = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAudiences = [aad.ClusterApplication, "api://" + aad.ClusterApplication],
            ValidIssuers = [$"{aad.Authority}/v2.0", $"https://sts.windows.net/{aad.TenantId}/"],
            RoleClaimType = "roles",
            NameClaimType = "name",
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromMinutes(2),
        };
        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                var principal = context.Principal!;
                var tenant = principal.FindFirst("tid")?.Value;
                if (!string.Equals(tenant, aad.TenantId, StringComparison.OrdinalIgnoreCase))
                {
                    context.Fail($"the token is for tenant '{tenant}', not {aad.TenantId}");
                    return Task.CompletedTask;
                }

                var roles = principal.FindAll("roles").Select(c => c.Value).ToList();
                var subject = principal.FindFirst("oid")?.Value ?? principal.FindFirst("sub")?.Value ?? "unknown";
                var identity = new ClaimsIdentity([new Claim(CallerAuthentication.IdentityClaim, $"entra:{tenant}/{subject}")]);
                if (roles.Intersect(AdminRoles).Any())
                {
                    identity.AddClaim(new Claim(CallerAuthentication.RoleClaim, "Admin"));
                }
                else if (roles.Intersect(ReaderRoles).Any())
                {
                    identity.AddClaim(new Claim(CallerAuthentication.RoleClaim, "ReadOnly"));
                }

                principal.AddIdentity(identity);
                return Task.CompletedTask;
            },
        };
    }
}
