using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Azure.Core;
using BlobImageStore.Cli;
using Microsoft.Extensions.Time.Testing;

namespace BlobImageStore.Client.Tests;

/// <summary>
/// The pure parts of client authentication: the bearer token cache (renewed before expiry, metadata read once, a failed
/// read not cached), the GetAadMetadata address and body, the certificate loaders, and sfctl's rules for the options.
/// </summary>
public sealed class AuthenticationUnitTests
{
    private const string Cluster = "3c1beb77-e0ed-43d8-be02-569450b84d2f";
    private static readonly Uri Request = new("https://store.example:19080/ImageStore/MyApp?api-version=6.0");

    private static string MetadataBody(string type = "aad") =>
        "{\"type\":\"" + type + "\",\"metadata\":{\"authority\":\"https://login.microsoftonline.com/t\",\"client\":\"c\",\"cluster\":\"" + Cluster +
        "\",\"login\":\"https://login.microsoftonline.com\",\"redirect\":\"urn:ietf:wg:oauth:2.0:oob\",\"tenant\":\"t\"}}";

    private sealed class Gateway
    {
        public int Reads { get; private set; }

        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        public string Body { get; set; } = MetadataBody();

        public List<Uri> Addresses { get; } = [];

        public Task<HttpResponseMessage> Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Reads++;
            Addresses.Add(request.RequestUri!);
            Assert.Null(request.Headers.Authorization);
            return Task.FromResult(new HttpResponseMessage(Status) { Content = new StringContent(Body, Encoding.UTF8, "application/json") });
        }
    }

    /// <summary>Hands out numbered tokens living <see cref="Lifetime"/> from the fake clock's now.</summary>
    private sealed class ClockCredential(TimeProvider time) : TokenCredential
    {
        public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

        public TimeSpan? RefreshIn { get; set; }

        public bool Fail { get; set; }

        public int Calls { get; private set; }

        public List<string[]> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Calls++;
            Scopes.Add(requestContext.Scopes);
            if (Fail)
            {
                throw new InvalidOperationException("the sign-in service is down");
            }

            var now = time.GetUtcNow();
            return ValueTask.FromResult(new AccessToken($"token-{Calls}", now + Lifetime, now + RefreshIn, "Bearer"));
        }
    }

    private static (BearerTokenSource Source, ClockCredential Credential, FakeTimeProvider Time, Gateway Gateway) Source(Action<ImageStoreClientOptions>? configure = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var credential = new ClockCredential(time);
        var options = new ImageStoreClientOptions { Credential = credential };
        configure?.Invoke(options);
        return (new BearerTokenSource(options, time, null), credential, time, new Gateway());
    }

    [Fact]
    public async Task A_token_is_reused_until_the_refresh_margin_before_expiry_then_renewed()
    {
        var (source, credential, time, gateway) = Source();
        Assert.Equal("token-1", await source.GetTokenAsync(Request, gateway.Send, default));
        time.Advance(TimeSpan.FromMinutes(54));
        Assert.Equal("token-1", await source.GetTokenAsync(Request, gateway.Send, default));
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1)); // 4:59 before expiry: inside the 5-minute margin
        Assert.Equal("token-2", await source.GetTokenAsync(Request, gateway.Send, default));
        Assert.Equal(2, credential.Calls);
        Assert.Equal(1, gateway.Reads); // the metadata is read once
        Assert.All(credential.Scopes, s => Assert.Equal([$"{Cluster}/.default"], s));
    }

    [Fact]
    public async Task The_credentials_own_refresh_time_wins_and_a_short_token_is_renewed_half_way()
    {
        var (source, credential, time, gateway) = Source();
        credential.RefreshIn = TimeSpan.FromMinutes(10);
        await source.GetTokenAsync(Request, gateway.Send, default);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal("token-2", await source.GetTokenAsync(Request, gateway.Send, default));

        credential.RefreshIn = null;
        credential.Lifetime = TimeSpan.FromMinutes(4); // shorter than the margin
        time.Advance(TimeSpan.FromHours(2));
        Assert.Equal("token-3", await source.GetTokenAsync(Request, gateway.Send, default));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("token-3", await source.GetTokenAsync(Request, gateway.Send, default));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("token-4", await source.GetTokenAsync(Request, gateway.Send, default));
    }

    [Fact]
    public async Task A_failed_renewal_keeps_the_current_token_until_it_expires()
    {
        var (source, credential, time, gateway) = Source();
        await source.GetTokenAsync(Request, gateway.Send, default);
        credential.Fail = true;
        time.Advance(TimeSpan.FromMinutes(57));
        Assert.Equal("token-1", await source.GetTokenAsync(Request, gateway.Send, default));
        time.Advance(TimeSpan.FromMinutes(3));
        var error = await Assert.ThrowsAsync<ImageStoreAuthenticationException>(() => source.GetTokenAsync(Request, gateway.Send, default).AsTask());
        Assert.Contains("the sign-in service is down", error.Message);
    }

    [Fact]
    public async Task A_failed_metadata_read_is_not_cached()
    {
        var (source, _, _, gateway) = Source();
        gateway.Status = HttpStatusCode.ServiceUnavailable;
        await Assert.ThrowsAsync<ImageStoreAuthenticationException>(() => source.GetTokenAsync(Request, gateway.Send, default).AsTask());
        gateway.Status = HttpStatusCode.OK;
        Assert.Equal("token-1", await source.GetTokenAsync(Request, gateway.Send, default));
        Assert.Equal(2, gateway.Reads);
    }

    [Fact]
    public async Task A_server_without_Entra_ID_is_an_error_that_names_certificates()
    {
        var (source, credential, _, gateway) = Source();
        gateway.Body = """{"type":"","metadata":{}}""";
        var error = await Assert.ThrowsAsync<ImageStoreAuthenticationException>(() => source.GetTokenAsync(Request, gateway.Send, default).AsTask());
        Assert.Contains("does not take Entra ID tokens", error.Message);
        Assert.Equal(0, credential.Calls);
    }

    [Fact]
    public async Task A_given_scope_needs_no_metadata()
    {
        var (source, credential, _, gateway) = Source(o => o.TokenScope = "api://my-cluster/.default");
        await source.GetTokenAsync(Request, gateway.Send, default);
        Assert.Equal(0, gateway.Reads);
        Assert.Equal(["api://my-cluster/.default"], credential.Scopes.Single());
    }

    [Theory]
    [InlineData("https://h:19080/ImageStore/a/b?api-version=6.0", "https://h:19080/$/GetAadMetadata?api-version=1.0")]
    [InlineData("https://h/api/ImageStore?api-version=6.0", "https://h/api/$/GetAadMetadata?api-version=1.0")]
    public void The_metadata_address_sits_next_to_the_ImageStore_routes(string request, string expected) =>
        Assert.Equal(expected, BearerTokenSource.MetadataAddress(new Uri(request)).ToString());

    [Fact]
    public void GetAadMetadata_bodies_parse_as_the_gateway_sends_them()
    {
        var aad = ClusterAadMetadata.Parse(MetadataBody());
        Assert.True(aad.IsAad);
        Assert.Equal($"{Cluster}/.default", aad.Scope);
        Assert.Equal("c", aad.Client);
        Assert.Equal("t", aad.Tenant);
        Assert.False(ClusterAadMetadata.Parse("""{"type":"","metadata":{}}""").IsAad);
        Assert.Throws<System.Text.Json.JsonException>(() => ClusterAadMetadata.Parse("[]"));
    }

    [Fact]
    public void Certificates_load_from_one_pem_from_a_der_cert_and_pem_key_and_encrypted_keys_are_refused()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=unit-client", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var folder = Directory.CreateTempSubdirectory("imagestore-pem-").FullName;
        try
        {
            var pem = Path.Combine(folder, "client.pem");
            File.WriteAllText(pem, "Bag Attributes\n    localKeyID: 01\n" + certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
            using (var loaded = ClientCertificates.LoadPem(pem))
            {
                Assert.True(loaded.HasPrivateKey);
                Assert.Equal(certificate.Thumbprint, loaded.Thumbprint);
            }

            var der = Path.Combine(folder, "client.cer");
            var rsaKey = Path.Combine(folder, "client.key");
            File.WriteAllBytes(der, certificate.RawData);
            File.WriteAllText(rsaKey, key.ExportRSAPrivateKeyPem());
            using (var loaded = ClientCertificates.LoadPem(der, rsaKey))
            {
                Assert.True(loaded.HasPrivateKey);
                Assert.Equal(certificate.Thumbprint, loaded.Thumbprint);
            }

            var encrypted = Path.Combine(folder, "encrypted.key");
            File.WriteAllText(encrypted, key.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)));
            Assert.Contains("is encrypted", Assert.Throws<ImageStoreAuthenticationException>(() => ClientCertificates.LoadPem(der, encrypted)).Message);

            var certOnly = Path.Combine(folder, "cert-only.pem");
            File.WriteAllText(certOnly, certificate.ExportCertificatePem());
            Assert.Contains("No client certificate with its private key", Assert.Throws<ImageStoreAuthenticationException>(() => ClientCertificates.LoadPem(certOnly)).Message);
            Assert.Contains("There is no client certificate file", Assert.Throws<ImageStoreAuthenticationException>(() => ClientCertificates.LoadPem(Path.Combine(folder, "nope.pem"))).Message);

            var cas = ClientCertificates.LoadCertificateAuthorities(folder); // client.pem, client.cer, cert-only.pem
            Assert.Equal(3, cas.Count);
            Assert.Throws<ImageStoreAuthenticationException>(() => ClientCertificates.LoadCertificateAuthorities(Path.Combine(folder, "missing")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_client_certificate_without_its_private_key_is_refused_when_the_handler_is_made()
    {
        using var key = RSA.Create(2048);
        using var withKey = new CertificateRequest("CN=no-key", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var publicOnly = X509CertificateLoader.LoadCertificate(withKey.RawData);
        var error = Assert.Throws<ImageStoreAuthenticationException>(() => ImageStoreHttpHandlers.CreatePrimaryHandler(new ImageStoreClientOptions { ClientCertificate = publicOnly }));
        Assert.Contains("has no private key", error.Message);
    }

    [Fact]
    public void Profiles_follow_sfctls_rules_for_the_security_options()
    {
        var https = new Uri("https://h:19080");
        Assert.NotNull(GlobalOptions.Validate(new ClusterProfile { Endpoint = https, Pem = "/p", Ca = "/ca" }));
        Assert.NotNull(GlobalOptions.Validate(new ClusterProfile { Endpoint = https, Cert = "/c", Key = "/k", Insecure = true }));
        Assert.NotNull(GlobalOptions.Validate(new ClusterProfile { Endpoint = https, Aad = true, DeviceCode = true, Ca = "/ca" }));
        Assert.NotNull(GlobalOptions.Validate(new ClusterProfile { Endpoint = new Uri("http://127.0.0.1:19080"), Aad = true }));
        foreach (var bad in new[]
        {
            new ClusterProfile { Endpoint = https, Cert = "/c" },
            new ClusterProfile { Endpoint = https, Key = "/k" },
            new ClusterProfile { Endpoint = https, Pem = "/p", Cert = "/c", Key = "/k" },
            new ClusterProfile { Endpoint = https, Aad = true, Pem = "/p" },
            new ClusterProfile { Endpoint = https, Insecure = true, Ca = "/ca" },
            new ClusterProfile { Endpoint = https, DeviceCode = true },
            new ClusterProfile { Endpoint = new Uri("http://h:19080"), Pem = "/p" },
        })
        {
            Assert.Equal(ExitCodes.Usage, Assert.Throws<CliException>(() => GlobalOptions.Validate(bad)).ExitCode);
        }
    }
}
