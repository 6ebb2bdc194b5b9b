using System.Collections.Immutable;
using System.Text.Json.Nodes;
using BlobImageStore.Functions.Tests.Infrastructure;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Security;
using BlobImageStore.SecurityTests.Infrastructure;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Functions.Tests;

/// <summary>
/// The Functions app in client-certificate mode, in-process: App Service terminates TLS and forwards the client
/// certificate in <c>X-ARR-ClientCert</c>; the app checks it against the same <c>ImageStore:Security</c> settings, with
/// the same roles and answers, as the self-host.
/// </summary>
public sealed class FunctionsCertificateFixture : IAsyncLifetime
{
    public TestCertificates Certificates { get; } = new();

    public TestAzurite Azurite { get; private set; } = null!;

    public InProcessFunctions Functions { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Azurite = await TestAzurite.StartAsync("fn-sec", inMemory: true);
        Functions = InProcessFunctions.Create(Azurite.ConnectionString, new Dictionary<string, string>
        {
            ["Security:ClientCertificateThumbprints:0:CertificateThumbprint"] = Certificates.Admin.Thumbprint,
            ["Security:ClientCertificateThumbprints:0:IsAdmin"] = "true",
            ["Security:ClientCertificateThumbprints:1:CertificateThumbprint"] = Certificates.Reader.Thumbprint,
            ["Security:ClientCertificateAuthorities:0"] = Certificates.CaFile,
            ["Security:CertificateRevocationMode"] = "NoCheck",
            ["Security:ForwardedClientCertificateHeader"] = "X-ARR-ClientCert",
        });
    }

    public async Task DisposeAsync()
    {
        await Functions.DisposeAsync();
        await Azurite.DisposeAsync();
        Certificates.Dispose();
    }
}

public sealed class FunctionsSecurityTests(FunctionsCertificateFixture fixture) : IClassFixture<FunctionsCertificateFixture>
{
    private static (string, string)[] Forwarded(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        [("X-ARR-ClientCert", Convert.ToBase64String(certificate.RawData))];

    [Fact]
    public async Task Without_a_certificate_the_app_answers_401_access_denied()
    {
        var answer = await fixture.Functions.SendAsync(HttpMethod.Get, "/ImageStore?api-version=6.0");
        Assert.Equal(401, answer.Status);
        Assert.Equal("E_ACCESSDENIED", answer.Reason);
    }

    [Fact]
    public async Task The_forwarded_admin_certificate_writes_and_the_read_only_one_reads_but_cannot_write()
    {
        var admin = await fixture.Functions.SendAsync(HttpMethod.Put, "/ImageStore/fn-sec/file.txt?api-version=6.0", "hi"u8.ToArray(), Forwarded(fixture.Certificates.Admin));
        Assert.Equal(200, admin.Status);

        var read = await fixture.Functions.SendAsync(HttpMethod.Get, "/ImageStore/fn-sec?api-version=6.0", null, Forwarded(fixture.Certificates.Reader));
        Assert.Equal(200, read.Status);
        Assert.Contains("file.txt", read.Body);

        var write = await fixture.Functions.SendAsync(HttpMethod.Delete, "/ImageStore/fn-sec/file.txt?api-version=6.0", null, Forwarded(fixture.Certificates.Reader));
        Assert.Equal(403, write.Status);
        Assert.Equal("E_ACCESSDENIED", write.Reason);
        Assert.Contains("Admin role", write.Body);
    }

    [Fact]
    public async Task An_unknown_forwarded_certificate_is_403_and_an_expired_one_401()
    {
        Assert.Equal(403, (await fixture.Functions.SendAsync(HttpMethod.Get, "/ImageStore?api-version=6.0", null, Forwarded(fixture.Certificates.Unknown))).Status);
        Assert.Equal(401, (await fixture.Functions.SendAsync(HttpMethod.Get, "/ImageStore?api-version=6.0", null, Forwarded(fixture.Certificates.Expired))).Status);
    }

    [Fact]
    public async Task GetAadMetadata_is_served_without_credentials()
    {
        var answer = await fixture.Functions.SendAsync(HttpMethod.Get, "/$/GetAadMetadata?api-version=1.0");
        Assert.Equal(200, answer.Status);
        Assert.Equal("""{"type":"","metadata":{}}""", answer.Body);
    }

    [Fact]
    public void With_certificates_configured_the_triggers_become_anonymous_at_the_host()
    {
        var security = fixture.Functions.Services.GetRequiredService<IOptions<ImageStoreSecurityOptions>>().Value;
        Assert.Equal("anonymous", FunctionAuthorizationLevel.For(security));
    }
}

/// <summary>The trigger level chosen by configuration at start, through the worker's own metadata (no compile flag).</summary>
public sealed class FunctionAuthorizationLevelTests
{
    private static async Task<IDictionary<string, string>> HttpTriggerLevelsAsync(IDictionary<string, string?> settings)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        builder.Configuration["ImageStore:Storage"] = "UseDevelopmentStorage=true";
        builder.Configuration["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9"; // never dialled
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        builder.Services.AddImageStoreFunctions(builder.Configuration);
        using var host = builder.Build();

        // What the worker answers the host's metadata request: the generated metadata, through the transformers.
        var metadata = await host.Services.GetRequiredService<IFunctionMetadataManager>()
            .GetFunctionMetadataAsync(AppContext.BaseDirectory);
        return metadata
            .SelectMany(f => (f.RawBindings ?? []).Select(b => (f.Name, Binding: JsonNode.Parse(b)!)))
            .Where(x => (string?)x.Binding["type"] == "httpTrigger")
            .ToDictionary(x => x.Name!, x => ((string?)x.Binding["authLevel"])!.ToLowerInvariant());
    }

    /// <summary>The API's triggers, whose level follows the security settings.</summary>
    private static readonly string[] ApiTriggers = ["AadMetadata", "ClusterManifest", "ImageStore", "ImageStoreRoot"];

    /// <summary>Probes, the API description and the explorer's files: anonymous in every mode.</summary>
    private static readonly string[] AlwaysAnonymous = ["Explorer", "ExplorerRoot", "Healthz", "OpenApi", "Readyz"];

    [Fact]
    public async Task Without_security_settings_every_api_trigger_needs_a_function_key_and_the_probes_stay_anonymous()
    {
        var levels = await HttpTriggerLevelsAsync(new Dictionary<string, string?>());
        Assert.Equal(ApiTriggers.Concat(AlwaysAnonymous).Order(), levels.Keys.Order());
        Assert.All(ApiTriggers, name => Assert.Equal("function", levels[name]));
        Assert.All(AlwaysAnonymous, name => Assert.Equal("anonymous", levels[name]));
    }

    [Fact]
    public async Task With_Entra_ID_configured_every_http_trigger_is_anonymous_and_the_app_authenticates()
    {
        var levels = await HttpTriggerLevelsAsync(new Dictionary<string, string?>
        {
            ["ImageStore:Security:AzureActiveDirectory:TenantId"] = Guid.NewGuid().ToString(),
            ["ImageStore:Security:AzureActiveDirectory:ClusterApplication"] = Guid.NewGuid().ToString(),
            ["ImageStore:Security:AzureActiveDirectory:ClientApplication"] = Guid.NewGuid().ToString(),
        });
        Assert.Equal(ApiTriggers.Concat(AlwaysAnonymous).Order(), levels.Keys.Order());
        Assert.All(levels.Values, level => Assert.Equal("anonymous", level));
    }
}
