using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.SecurityTests.Infrastructure;

namespace BlobImageStore.SecurityTests;

/// <summary>
/// The <c>imagestore</c> CLI, as a process, against the self-host with mutual TLS (<see cref="CertificateServerFixture"/>):
/// client certificates given as sfctl takes them (<c>--pem</c>, <c>--cert</c>/<c>--key</c>), the test CA trusted with
/// <c>--ca</c> or not at all, and the saved profile of <c>cluster select</c>.
/// </summary>
public sealed partial class CliCertificateTests(CertificateServerFixture fixture) : IClassFixture<CertificateServerFixture>
{
    private string Endpoint => fixture.Server.Address.ToString();

    private string Ca => fixture.Certificates.CaFile;

    [Fact]
    public async Task Cert_and_key_files_upload_as_admin()
    {
        var (cert, key, _) = PemFiles(fixture.Certificates.Admin, "admin-two-files");
        var local = LocalFile("cert-key");
        var result = await Cli("upload", local, "cli/cert-key.txt", "--endpoint", Endpoint, "--cert", cert, "--key", key, "--ca", Ca);
        Assert.True(result.ExitCode == 0, result.ToString());
        await AssertStoredAsync("cli/cert-key.txt", local);
    }

    [Fact]
    public async Task A_pem_file_uploads_as_admin()
    {
        var (_, _, pem) = PemFiles(fixture.Certificates.Admin, "admin-pem");
        var local = LocalFile("pem");
        var result = await Cli("upload", local, "cli/pem.txt", "--endpoint", Endpoint, "--pem", pem, "--ca", Ca);
        Assert.True(result.ExitCode == 0, result.ToString());
        await AssertStoredAsync("cli/pem.txt", local);
    }

    [Fact]
    public async Task The_read_only_certificate_lists_but_writing_exits_5_naming_the_admin_role()
    {
        var (_, _, pem) = PemFiles(fixture.Certificates.Reader, "reader");
        var list = await Cli("ls", "--endpoint", Endpoint, "--pem", pem, "--ca", Ca);
        Assert.True(list.ExitCode is 0 or 3, list.ToString()); // an empty store lists as nothing there

        var upload = await Cli("upload", LocalFile("reader"), "cli/reader.txt", "--endpoint", Endpoint, "--pem", pem, "--ca", Ca);
        Assert.True(upload.ExitCode == 5, upload.ToString());
        Assert.Contains("error: E_ACCESSDENIED (HTTP 403)", upload.Stderr);
        Assert.Contains("Admin role", upload.Stderr);
        Assert.Contains("hint: the server knows the certificate", upload.Stderr);
        using var admin = fixture.Client(fixture.Certificates.Admin);
        (await admin.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "/ImageStore/cli/reader.txt?api-version=6.0"))).Is(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task No_certificate_exits_5_with_a_hint_naming_the_certificate_options()
    {
        var result = await Cli("ls", "--endpoint", Endpoint, "--ca", Ca);
        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("error: E_ACCESSDENIED (HTTP 401)", result.Stderr);
        Assert.Contains("--pem", result.Stderr);
        Assert.Contains("--aad", result.Stderr);
    }

    [Fact]
    public async Task Without_ca_the_untrusted_server_certificate_fails_at_once_saying_to_pass_ca_or_insecure()
    {
        var (_, _, pem) = PemFiles(fixture.Certificates.Admin, "admin-no-ca");
        var result = await Cli("ls", "--endpoint", Endpoint, "--pem", pem, "--verbose");
        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains($"error: the TLS connection to {fixture.Server.Address.Authority} failed", result.Stderr);
        Assert.Contains("pass --ca <file>", result.Stderr);
        Assert.Contains("--insecure", result.Stderr);
        Assert.DoesNotContain("retry", result.Stderr, StringComparison.OrdinalIgnoreCase); // an untrusted certificate is not transient
    }

    [Fact]
    public async Task A_ca_that_did_not_issue_the_server_certificate_is_not_trusted_either()
    {
        var (_, _, pem) = PemFiles(fixture.Certificates.Admin, "admin-other-ca");
        var result = await Cli("ls", "--endpoint", Endpoint, "--pem", pem, "--ca", fixture.Certificates.OtherCaFile);
        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("the TLS connection", result.Stderr);
    }

    [Fact]
    public async Task The_servers_own_certificate_given_as_ca_is_trusted_pinned()
    {
        var serverPem = Path.Combine(fixture.Certificates.Folder, "server-only.pem");
        await File.WriteAllTextAsync(serverPem, fixture.Certificates.Server.ExportCertificatePem());
        var (_, _, pem) = PemFiles(fixture.Certificates.Admin, "admin-pinned");
        var result = await Cli("ls", "--endpoint", Endpoint, "--pem", pem, "--ca", serverPem);
        Assert.True(result.ExitCode is 0, result.ToString());
    }

    [Fact]
    public async Task A_ca_folder_is_read_like_a_bundle()
    {
        var folder = Directory.CreateDirectory(Path.Combine(fixture.Certificates.Folder, "ca-folder")).FullName;
        File.Copy(Ca, Path.Combine(folder, "test-ca.pem"), overwrite: true);
        File.Copy(fixture.Certificates.OtherCaFile, Path.Combine(folder, "other-ca.crt"), overwrite: true);
        var (_, _, pem) = PemFiles(fixture.Certificates.Admin, "admin-ca-folder");
        var result = await Cli("upload", LocalFile("ca-folder"), "cli/ca-folder.txt", "--endpoint", Endpoint, "--pem", pem, "--ca", folder);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Insecure_connects_without_a_ca_and_warns_on_stderr()
    {
        var (_, _, pem) = PemFiles(fixture.Certificates.Admin, "admin-insecure");
        var result = await Cli("upload", LocalFile("insecure"), "cli/insecure.txt", "--endpoint", Endpoint, "--pem", pem, "--insecure", "-q", "-o", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("WARNING: --insecure: the server's certificate is not checked", result.Stderr);
        Assert.Equal("file", JsonDocument.Parse(result.Stdout).RootElement.GetProperty("kind").GetString()); // stdout stays the result alone
        var noVerify = await Cli("ls", "cli", "--endpoint", Endpoint, "--pem", pem, "--no-verify");
        Assert.True(noVerify.ExitCode == 0, noVerify.ToString());
        Assert.Contains("WARNING: --insecure", noVerify.Stderr);
    }

    [Theory]
    [InlineData("--cert", "c.pem")]
    [InlineData("--key", "k.pem")]
    [InlineData("--pem", "p.pem", "--cert", "c.pem", "--key", "k.pem")]
    [InlineData("--aad", null, "--pem", "p.pem")]
    [InlineData("--insecure", null, "--ca", "ca.pem")]
    [InlineData("--device-code", null)]
    public async Task Contradicting_security_options_are_usage_errors_like_sfctl(params string?[] options)
    {
        var args = new List<string> { "ls", "--endpoint", Endpoint };
        args.AddRange(options.OfType<string>());
        var result = await Cli([.. args]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("hint: use one of: --pem <file> | --cert <file> --key <file> | --aad", result.Stderr);
    }

    [Fact]
    public async Task A_certificate_option_with_an_http_endpoint_is_a_usage_error()
    {
        var (_, _, pem) = PemFiles(fixture.Certificates.Admin, "admin-http");
        var result = await Cli("ls", "--endpoint", "http://127.0.0.1:9", "--pem", pem);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("is not https", result.Stderr);
    }

    [Fact]
    public async Task An_encrypted_key_is_refused_with_how_to_decrypt_it()
    {
        var cert = Path.Combine(fixture.Certificates.Folder, "encrypted-cert.pem");
        var key = Path.Combine(fixture.Certificates.Folder, "encrypted-key.pem");
        await File.WriteAllTextAsync(cert, fixture.Certificates.Admin.ExportCertificatePem());
        await File.WriteAllTextAsync(key, fixture.Certificates.Admin.GetRSAPrivateKey()!.ExportEncryptedPkcs8PrivateKeyPem("pw",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        var result = await Cli("ls", "--endpoint", Endpoint, "--cert", cert, "--key", key, "--ca", Ca);
        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("is encrypted", result.Stderr);
    }

    [Fact]
    public async Task Aad_against_a_certificate_secured_server_says_to_use_a_certificate()
    {
        var result = await Cli("ls", "--endpoint", Endpoint, "--aad", "--ca", Ca);
        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("does not take Entra ID tokens (GetAadMetadata type '')", result.Stderr);
        Assert.Contains("--pem", result.Stderr);
    }

    [Fact]
    public async Task A_saved_profile_is_used_by_later_commands_without_endpoint_and_holds_paths_only()
    {
        var config = Directory.CreateTempSubdirectory("imagestore-config-").FullName;
        var environment = new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = config };
        var (_, _, pem) = PemFiles(fixture.Certificates.Admin, "admin-profile");
        try
        {
            var select = await Cli(environment, "cluster", "select", "--endpoint", Endpoint, "--pem", pem, "--ca", Ca);
            Assert.True(select.ExitCode == 0, select.ToString());
            var file = Path.Combine(config, "imagestore", "cluster.json");
            Assert.Contains($"profile      {file}", select.Stdout);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(file)!));
            }

            var saved = await File.ReadAllTextAsync(file);
            Assert.DoesNotContain("PRIVATE KEY", saved);
            Assert.DoesNotContain("CERTIFICATE", saved);

            var show = await Cli(environment, "cluster", "show", "-o", "json");
            Assert.True(show.ExitCode == 0, show.ToString());
            var shown = JsonDocument.Parse(show.Stdout).RootElement;
            Assert.Equal(Endpoint, shown.GetProperty("endpoint").GetString());
            Assert.Equal(pem, shown.GetProperty("pem").GetString());
            Assert.Equal(Ca, shown.GetProperty("ca").GetString());
            Assert.Equal(file, shown.GetProperty("profile").GetString());
            Assert.False(shown.GetProperty("insecure").GetBoolean());
            Assert.Equal(JsonValueKind.Null, shown.GetProperty("cert").ValueKind);

            var local = LocalFile("profile");
            var upload = await Cli(environment, "upload", local, "cli/profile.txt");
            Assert.True(upload.ExitCode == 0, upload.ToString());
            await AssertStoredAsync("cli/profile.txt", local);

            // A credential on the command line replaces the profile's: the reader's certificate may not write.
            var (_, _, readerPem) = PemFiles(fixture.Certificates.Reader, "reader-profile");
            var asReader = await Cli(environment, "rm", "cli/profile.txt", "--pem", readerPem);
            Assert.True(asReader.ExitCode == 5, asReader.ToString());

            // --endpoint given: the profile is not used at all (no certificate is sent).
            var explicitEndpoint = await Cli(environment, "ls", "--endpoint", Endpoint, "--ca", Ca);
            Assert.True(explicitEndpoint.ExitCode == 5, explicitEndpoint.ToString());
            Assert.Contains("HTTP 401", explicitEndpoint.Stderr);
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }

    [Fact]
    public async Task Select_checks_the_connection_and_saves_nothing_when_it_fails()
    {
        var config = Directory.CreateTempSubdirectory("imagestore-config-").FullName;
        var environment = new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = config };
        var (_, _, unknown) = PemFiles(fixture.Certificates.Unknown, "unknown-select");
        try
        {
            var refused = await Cli(environment, "cluster", "select", "--endpoint", Endpoint, "--pem", unknown, "--ca", Ca);
            Assert.True(refused.ExitCode == 5, refused.ToString());
            Assert.Contains("HTTP 403", refused.Stderr);
            var untrusted = await Cli(environment, "cluster", "select", "--endpoint", Endpoint, "--pem", unknown);
            Assert.True(untrusted.ExitCode == 5, untrusted.ToString());
            Assert.False(File.Exists(Path.Combine(config, "imagestore", "cluster.json")));

            var show = await Cli(environment, "cluster", "show");
            Assert.True(show.ExitCode == 3, show.ToString());
            Assert.Contains("no cluster is selected", show.Stderr);
            Assert.Contains("imagestore cluster select --endpoint", show.Stderr);
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }

    private Task<CliResult> Cli(params string[] args) => Cli(null, args);

    private static async Task<CliResult> Cli(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var journal = Directory.CreateTempSubdirectory("imagestore-journal-").FullName;
        using var cli = CliProcess.StartIn(journal, null, environment, args);
        return await cli.WaitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>The certificate and its key as PEM files: separately (--cert, --key) and together (--pem).</summary>
    private (string Cert, string Key, string Pem) PemFiles(X509Certificate2 certificate, string name)
    {
        var folder = fixture.Certificates.Folder;
        var cert = Path.Combine(folder, name + ".crt");
        var key = Path.Combine(folder, name + ".key");
        var pem = Path.Combine(folder, name + ".pem");
        var certText = certificate.ExportCertificatePem();
        var keyText = certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem();
        File.WriteAllText(cert, certText);
        File.WriteAllText(key, keyText);
        File.WriteAllText(pem, certText + "\n" + keyText);
        return (cert, key, pem);
    }

    private string LocalFile(string name)
    {
        var path = Path.Combine(fixture.Certificates.Folder, $"{name}-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, $"uploaded by the CLI: {name} {Guid.NewGuid()}");
        return path;
    }

    private async Task AssertStoredAsync(string storePath, string local)
    {
        using var admin = fixture.Client(fixture.Certificates.Admin);
        var folder = storePath[..storePath.LastIndexOf('/')];
        var listing = (await admin.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"/ImageStore/{folder}?api-version=6.0"))).Is(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(listing.Body);
        var file = json.RootElement.GetProperty("StoreFiles").EnumerateArray()
            .Single(f => f.GetProperty("StoreRelativePath").GetString()!.Replace('\\', '/') == storePath);
        Assert.Equal(new FileInfo(local).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), file.GetProperty("FileSize").GetString());
    }
}
