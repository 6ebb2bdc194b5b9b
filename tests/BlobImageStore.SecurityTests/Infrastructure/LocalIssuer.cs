using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using BlobImageStore.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BlobImageStore.SecurityTests.Infrastructure;

/// <summary>
/// A stand-in for the Entra tenant, on a loopback port: an OpenID Connect document and its signing keys (JWKS), and
/// tokens signed with the same RSA key, shaped like Entra's v2 access tokens (iss, aud, tid, oid, roles). The server
/// is pointed at it with <c>ImageStore:Security:AzureActiveDirectory:MetadataAddress</c>; nothing leaves the machine.
/// </summary>
public sealed class LocalIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;

    private LocalIssuer(WebApplication app, RsaSecurityKey key, Uri address)
    {
        _app = app;
        _key = key;
        Address = address;
    }

    public Uri Address { get; }

    public string MetadataAddress(string tenant) => new Uri(Address, $"/{tenant}/v2.0/.well-known/openid-configuration").ToString();

    public string Issuer(string tenant) => new Uri(Address, $"/{tenant}/v2.0").ToString();

    public static async Task<LocalIssuer> StartAsync()
    {
        var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "test-key" };
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = key.KeyId });
        var port = AzuriteProcess.FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(address.ToString());
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) => Results.Text(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["issuer"] = new Uri(address, $"/{tenant}/v2.0").ToString(),
            ["jwks_uri"] = new Uri(address, $"/{tenant}/discovery/v2.0/keys").ToString(),
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }), "application/json"));
        app.MapGet("/{tenant}/discovery/v2.0/keys", () => Results.Text(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["keys"] = new[]
            {
                new Dictionary<string, string> { ["kty"] = "RSA", ["use"] = "sig", ["kid"] = jwk.Kid, ["n"] = jwk.N, ["e"] = jwk.E },
            },
        }), "application/json"));
        await app.StartAsync();
        return new LocalIssuer(app, key, address);
    }

    /// <summary>An access token as Entra would issue it for <paramref name="audience"/> in <paramref name="tenant"/>.</summary>
    public string Token(string tenant, string audience, IEnumerable<string> roles, string objectId, TimeSpan? lifetime = null, DateTime? notBefore = null)
    {
        var start = notBefore ?? DateTime.UtcNow.AddMinutes(-1);
        var claims = new Dictionary<string, object>
        {
            ["tid"] = tenant,
            ["oid"] = objectId,
            ["sub"] = objectId,
            ["roles"] = roles.ToArray(),
        };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer(tenant),
            Audience = audience,
            NotBefore = start,
            IssuedAt = start,
            Expires = start + (lifetime ?? TimeSpan.FromHours(1)),
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
