using System.Net;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Security;
using BlobImageStore.SecurityTests.Infrastructure;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.SecurityTests;

public sealed class StartupAzuriteFixture : IAsyncLifetime
{
    public TestAzurite Azurite { get; private set; } = null!;

    public async Task InitializeAsync() => Azurite = await TestAzurite.StartAsync("sec-start", inMemory: true);

    public async Task DisposeAsync() => await Azurite.DisposeAsync();
}

/// <summary>Anonymous access only where it is safe: what the server does at start for each way of choosing its addresses.</summary>
public sealed class StartupTests(StartupAzuriteFixture fixture) : IClassFixture<StartupAzuriteFixture>
{
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(60);

    private Dictionary<string, string> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string> { ["ImageStore__Storage"] = fixture.Azurite.ConnectionString };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task Loopback_without_security_serves_anonymously()
    {
        var address = new Uri($"http://127.0.0.1:{AzuriteProcess.FreePort()}");
        await using var server = await ServerProcess.StartAsync(address, Settings());
        using var client = new HttpClient { BaseAddress = address };
        (await client.SendAsync(() => Calls.Upload("anonymous/file.txt"))).Is(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("--urls", "http://0.0.0.0:{port}")]
    [InlineData("--urls", "http://+:{port}")]
    [InlineData("ASPNETCORE_URLS", "http://*:{port}")]
    [InlineData("ASPNETCORE_HTTP_PORTS", "{port}")]
    [InlineData("Kestrel__Endpoints__Http__Url", "http://0.0.0.0:{port}")]
    public async Task Any_non_loopback_address_without_security_refuses_to_start_naming_the_settings(string how, string value)
    {
        value = value.Replace("{port}", AzuriteProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        await using var server = how == "--urls"
            ? await ServerProcess.RunToExitAsync(Settings(), urls: value, ExitLimit)
            : await ServerProcess.RunToExitAsync(Settings((how, value)), urls: null, ExitLimit);

        Assert.True(server.HasExited, "the server kept running on a non-loopback address:\n" + server.Output);
        Assert.Equal(ListenAddressGuard.RefusedExitCode, server.ExitCode);
        Assert.Contains("ImageStore:Security", server.Output);
        Assert.Contains("AllowAnonymous", server.Output);
    }

    [Fact]
    public async Task AllowAnonymous_on_a_non_loopback_address_starts_with_a_warning()
    {
        var port = AzuriteProcess.FreePort();
        await using var server = await ServerProcess.StartAsync(new Uri($"http://127.0.0.1:{port}"),
            Settings(("ImageStore__Security__AllowAnonymous", "true")), urls: $"http://0.0.0.0:{port}");
        using var client = new HttpClient { BaseAddress = server.Address };
        (await client.SendAsync(Calls.List)).IsSuccess();
        Assert.Contains("AllowAnonymous is true", server.Output);
        Assert.False(server.HasExited);
    }

    [Fact]
    public async Task With_security_configured_a_non_loopback_address_starts_and_refuses_anonymous_callers()
    {
        var port = AzuriteProcess.FreePort();
        await using var server = await ServerProcess.StartAsync(new Uri($"http://127.0.0.1:{port}"), Settings(
            ("ImageStore__Security__ClientCertificateThumbprints__0__CertificateThumbprint", new string('A', 40)),
            ("ImageStore__Security__ClientCertificateThumbprints__0__IsAdmin", "true")), urls: $"http://0.0.0.0:{port}");
        using var client = new HttpClient { BaseAddress = server.Address };
        (await client.SendAsync(Calls.List)).Is(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_malformed_security_setting_refuses_to_start_with_a_message_saying_what_to_fix()
    {
        await using var server = await ServerProcess.RunToExitAsync(Settings(
            ("ImageStore__Security__ClientCertificateThumbprints__0__CertificateThumbprint", "not-a-thumbprint"),
            ("ImageStore__Security__AzureActiveDirectory__TenantId", "contoso")), urls: $"http://127.0.0.1:{AzuriteProcess.FreePort()}", ExitLimit);

        Assert.True(server.HasExited, server.Output);
        Assert.NotEqual(0, server.ExitCode);
        Assert.Contains("ImageStore:Security:ClientCertificateThumbprints:0:CertificateThumbprint", server.Output);
        Assert.Contains("40 hex digits", server.Output);
        Assert.Contains("ImageStore:Security:AzureActiveDirectory:TenantId", server.Output);
    }
}
