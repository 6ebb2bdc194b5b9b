using System.Net;
using System.Security.Cryptography.X509Certificates;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.SecurityTests.Infrastructure;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.SecurityTests;

/// <summary>
/// The self-host with mutual TLS as an operator configures it: a Kestrel HTTPS endpoint with the server's PFX and
/// <c>ClientCertificateMode=AllowCertificate</c>, the admin certificate and the reader certificate by thumbprint, one
/// common name pinned to its issuing CA, and that CA as the trust anchor (a private CA without CRLs: revocation NoCheck).
/// </summary>
public sealed class CertificateServerFixture : IAsyncLifetime
{
    public TestCertificates Certificates { get; } = new();

    public TestAzurite Azurite { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Azurite = await TestAzurite.StartAsync("sec-cert", inMemory: true);
        var address = new Uri($"https://127.0.0.1:{AzuriteProcess.FreePort()}");
        var c = Certificates;
        Server = await ServerProcess.StartAsync(address, new Dictionary<string, string>
        {
            ["ImageStore__Storage"] = Azurite.ConnectionString,
            ["Kestrel__Endpoints__Https__Url"] = address.ToString().TrimEnd('/'),
            ["Kestrel__Endpoints__Https__Certificate__Path"] = c.ServerPfx,
            ["Kestrel__Endpoints__Https__Certificate__Password"] = TestCertificates.PfxPassword,
            ["Kestrel__Endpoints__Https__ClientCertificateMode"] = "AllowCertificate",
            ["ImageStore__Security__ClientCertificateThumbprints__0__CertificateThumbprint"] = c.Admin.Thumbprint,
            ["ImageStore__Security__ClientCertificateThumbprints__0__IsAdmin"] = "true",
            ["ImageStore__Security__ClientCertificateThumbprints__1__CertificateThumbprint"] = c.Reader.Thumbprint,
            ["ImageStore__Security__ClientCertificateThumbprints__1__IsAdmin"] = "false",
            ["ImageStore__Security__ClientCertificateThumbprints__2__CertificateThumbprint"] = c.Expired.Thumbprint,
            ["ImageStore__Security__ClientCertificateThumbprints__2__IsAdmin"] = "true",
            ["ImageStore__Security__ClientCertificateCommonNames__0__CertificateCommonName"] = TestCertificates.CommonNameUser,
            ["ImageStore__Security__ClientCertificateCommonNames__0__CertificateIssuerThumbprint"] = c.Ca.Thumbprint,
            ["ImageStore__Security__ClientCertificateCommonNames__0__IsAdmin"] = "true",
            ["ImageStore__Security__ClientCertificateAuthorities__0"] = c.CaFile,
            ["ImageStore__Security__ClientCertificateAuthorities__1"] = c.OtherCaFile,
            ["ImageStore__Security__CertificateRevocationMode"] = "NoCheck",
        }, urls: null);
    }

    /// <summary>An HTTPS client presenting <paramref name="certificate"/> (none when null) and trusting the test CA's server certificate.</summary>
    public HttpClient Client(X509Certificate2? certificate)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, server, _, _) => server?.Thumbprint == Certificates.Server.Thumbprint,
            ClientCertificateOptions = ClientCertificateOption.Manual,
        };
        if (certificate is not null)
        {
            handler.ClientCertificates.Add(certificate);
        }

        return new HttpClient(handler) { BaseAddress = Server.Address };
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Azurite.DisposeAsync();
        Certificates.Dispose();
    }
}

public sealed class ClientCertificateTests(CertificateServerFixture fixture) : IClassFixture<CertificateServerFixture>
{
    [Fact]
    public async Task No_certificate_is_401_access_denied_saying_how_to_authenticate()
    {
        using var client = fixture.Client(null);
        var answer = await client.SendAsync(Calls.List);
        answer.Is(HttpStatusCode.Unauthorized);
        Assert.Equal("E_ACCESSDENIED", answer.Code);
        Assert.Contains("client certificate", answer.Message);
    }

    [Fact]
    public async Task A_valid_certificate_that_no_setting_allows_is_403()
    {
        using var client = fixture.Client(fixture.Certificates.Unknown);
        var answer = await client.SendAsync(Calls.List);
        answer.Is(HttpStatusCode.Forbidden);
        Assert.Equal("E_ACCESSDENIED", answer.Code);
        Assert.Contains("ClientCertificateThumbprints", answer.Message);
    }

    [Fact]
    public async Task An_expired_certificate_is_401_even_when_its_thumbprint_is_allowed()
    {
        using var client = fixture.Client(fixture.Certificates.Expired);
        var answer = await client.SendAsync(() => Calls.Upload("expired/file.txt"));
        answer.Is(HttpStatusCode.Unauthorized);
        Assert.Equal("E_ACCESSDENIED", answer.Code);
        Assert.Contains("rejected", answer.Message);
    }

    [Fact]
    public async Task The_read_only_certificate_reads_but_writing_is_403_naming_the_admin_role()
    {
        using var admin = fixture.Client(fixture.Certificates.Admin);
        (await admin.SendAsync(() => Calls.Upload("shared/file.txt"))).Is(HttpStatusCode.OK);
        using var client = fixture.Client(fixture.Certificates.Reader);
        Assert.Contains("file.txt", (await client.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "/ImageStore/shared?api-version=6.0"))).Is(HttpStatusCode.OK).Body);
        (await client.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "/ImageStore/shared/$/FolderSize?api-version=6.5"))).Is(HttpStatusCode.OK);

        var upload = await client.SendAsync(() => Calls.Upload("reader/file.txt"));
        upload.Is(HttpStatusCode.Forbidden);
        Assert.Equal("E_ACCESSDENIED", upload.Code);
        Assert.Contains("Admin role", upload.Message);

        (await admin.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "/ImageStore/reader/file.txt?api-version=6.0"))).Is(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_admin_certificate_writes_and_deletes()
    {
        using var client = fixture.Client(fixture.Certificates.Admin);
        (await client.SendAsync(() => Calls.Upload("admin/file.txt"))).Is(HttpStatusCode.OK);
        var listing = await client.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "/ImageStore/admin?api-version=6.0"));
        Assert.Contains("file.txt", listing.Body);
        (await client.SendAsync(() => Calls.Delete("admin/file.txt"))).Is(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_common_name_from_the_pinned_issuer_is_admin_and_the_same_name_from_another_issuer_is_403()
    {
        using var pinned = fixture.Client(fixture.Certificates.NamedByCa);
        (await pinned.SendAsync(() => Calls.Upload("named/file.txt"))).Is(HttpStatusCode.OK);

        using var other = fixture.Client(fixture.Certificates.NamedByOtherCa);
        var answer = await other.SendAsync(Calls.List);
        answer.Is(HttpStatusCode.Forbidden);
        Assert.Equal("E_ACCESSDENIED", answer.Code);
    }

    [Fact]
    public async Task GetAadMetadata_needs_no_certificate()
    {
        using var client = fixture.Client(null);
        var answer = await client.SendAsync(Calls.AadMetadata);
        answer.Is(HttpStatusCode.OK);
        Assert.Equal("""{"type":"","metadata":{}}""", answer.Body);
    }

    private Send As(HttpClient client) => request => client.SendAsync(request);

    [Fact]
    public async Task A_session_takes_chunks_and_a_commit_only_from_the_certificate_that_started_it()
    {
        using var owner = fixture.Client(fixture.Certificates.Admin);
        using var otherAdmin = fixture.Client(fixture.Certificates.NamedByCa); // another principal, an admin too
        const string path = "owned/cert.bin";
        var id = await SessionOwnership.StartAsync(As(owner), path);

        await SessionOwnership.AssertRefusedAsync(As(owner), As(otherAdmin), path, id, "a client certificate", fixture.Certificates.Admin.Thumbprint, deleteRefused: false);

        using var reader = fixture.Client(fixture.Certificates.Reader);
        var readerDelete = await reader.SendAsync(() => Calls.DeleteSession(id));
        readerDelete.Is(HttpStatusCode.Forbidden);
        Assert.Contains("Admin role", readerDelete.Message);
        (await reader.SendAsync(() => Calls.GetSession(id))).Is(HttpStatusCode.OK); // readers still see it

        await SessionOwnership.AssertOwnerFinishesAsync(As(owner), path, id);
    }

    [Fact]
    public async Task Another_admin_certificate_may_delete_a_session_it_did_not_start()
    {
        using var owner = fixture.Client(fixture.Certificates.Admin);
        using var otherAdmin = fixture.Client(fixture.Certificates.NamedByCa);
        var id = await SessionOwnership.StartAsync(As(owner), "owned/deleted-by-admin.bin");

        (await otherAdmin.SendAsync(() => Calls.DeleteSession(id))).Is(HttpStatusCode.OK);

        var late = await owner.SendAsync(() => Calls.Chunk("owned/deleted-by-admin.bin", id, 5, 10, SessionOwnership.World));
        late.Is(HttpStatusCode.NotFound);
        Assert.Contains("deleted", late.Message);
    }
}
