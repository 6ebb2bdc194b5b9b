using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BlobImageStore.SecurityTests.Infrastructure;

/// <summary>
/// Certificates made in the test with <see cref="CertificateRequest"/>: two private CAs, a server certificate for
/// 127.0.0.1, and client certificates (admin, read-only, unknown, expired, and one common name from each CA). The CA
/// files and the server's PFX are written to a temp folder, as an operator would hand them to the server.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string PfxPassword = "test-only";
    public const string CommonNameUser = "imagestore-ci";

    public TestCertificates()
    {
        Folder = Directory.CreateTempSubdirectory("imagestore-certs-").FullName;
        Ca = CreateCa("ImageStore Test CA");
        OtherCa = CreateCa("Some Other CA");
        Server = Issue(Ca, "127.0.0.1", serverAuth: true);
        Admin = Issue(Ca, "imagestore-admin");
        Reader = Issue(Ca, "imagestore-reader");
        Unknown = Issue(Ca, "someone-else");
        Expired = Issue(Ca, "imagestore-expired", notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        NamedByCa = Issue(Ca, CommonNameUser);
        NamedByOtherCa = Issue(OtherCa, CommonNameUser);

        CaFile = Path.Combine(Folder, "ca.pem");
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
        OtherCaFile = Path.Combine(Folder, "other-ca.pem");
        File.WriteAllText(OtherCaFile, OtherCa.ExportCertificatePem());
        ServerPfx = Path.Combine(Folder, "server.pfx");
        File.WriteAllBytes(ServerPfx, Server.Export(X509ContentType.Pfx, PfxPassword));
    }

    public string Folder { get; }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 OtherCa { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Admin { get; }

    public X509Certificate2 Reader { get; }

    public X509Certificate2 Unknown { get; }

    public X509Certificate2 Expired { get; }

    public X509Certificate2 NamedByCa { get; }

    public X509Certificate2 NamedByOtherCa { get; }

    public string CaFile { get; }

    public string OtherCaFile { get; }

    public string ServerPfx { get; }

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddYears(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string commonName, bool serverAuth = false, DateTimeOffset? notAfter = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var end = notAfter ?? DateTimeOffset.UtcNow.AddMonths(6);
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-20), end, serial);
        // A certificate with its private key, exported and loaded again so that SslStream on Linux can use it.
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
    }

    public void Dispose()
    {
        foreach (var certificate in new[] { Ca, OtherCa, Server, Admin, Reader, Unknown, Expired, NamedByCa, NamedByOtherCa })
        {
            certificate.Dispose();
        }

        Directory.Delete(Folder, recursive: true);
    }
}
