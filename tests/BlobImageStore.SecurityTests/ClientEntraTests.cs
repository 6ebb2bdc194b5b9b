using System.Collections.Concurrent;
using System.Net;
using Azure.Core;
using BlobImageStore.SecurityTests.Infrastructure;
using BlobImageStore.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.SecurityTests;

/// <summary>
/// The client library with a <see cref="TokenCredential"/> against the self-host with Entra ID
/// (<see cref="EntraServerFixture"/>): the credential is asked for the scope of the cluster application that
/// <c>GET /$/GetAadMetadata</c> names, the metadata is read once, the token reaches the server and is never logged.
/// </summary>
public sealed partial class ClientEntraTests(EntraServerFixture fixture) : IClassFixture<EntraServerFixture>
{
    [Fact]
    public async Task The_credential_gets_the_scope_from_GetAadMetadata_and_its_token_reaches_the_server()
    {
        var credential = new IssuerCredential(fixture, ["Admin"]);
        var requests = new RequestLog();
        var logs = new LogCollector();
        await using var provider = Services(credential, requests, logs);
        var client = provider.GetRequiredService<ImageStoreClient>();

        await client.UploadFileAsync("client-entra/admin.txt", "hello"u8.ToArray());
        var listing = await client.ListPageAsync("client-entra", null);
        await client.DeleteContentAsync("client-entra/admin.txt");

        Assert.Contains(listing.StoreFiles, f => f.StoreRelativePath.Replace('\\', '/') == "client-entra/admin.txt");
        Assert.Equal([$"{EntraServerFixture.ClusterApplication}/.default"], credential.Scopes.Distinct());
        Assert.Equal(1, credential.Calls); // cached: one token for the three requests
        Assert.Equal(1, requests.Count(p => p.EndsWith("/$/GetAadMetadata", StringComparison.Ordinal)));
        Assert.Equal(3, requests.Count(p => p.StartsWith("/ImageStore", StringComparison.Ordinal)));
        Assert.All(credential.Issued, token => Assert.DoesNotContain(logs.Messages, m => m.Contains(token, StringComparison.Ordinal)));
        Assert.Contains(logs.Messages, m => m.Contains(EntraServerFixture.ClusterApplication + "/.default", StringComparison.Ordinal)); // the scope is logged, the token is not
    }

    [Fact]
    public async Task A_read_only_token_reads_and_writing_is_refused_naming_the_admin_role()
    {
        var admin = fixture.Token(["Admin"]);
        (await fixture.Client.SendAsync(() => Calls.Upload("client-entra/reader/file.txt").WithBearer(admin))).Is(HttpStatusCode.OK);

        await using var provider = Services(new IssuerCredential(fixture, ["User"]), new RequestLog(), new LogCollector());
        var client = provider.GetRequiredService<ImageStoreClient>();
        var listing = await client.ListPageAsync("client-entra/reader", null);
        Assert.Single(listing.StoreFiles);
        var refused = await Assert.ThrowsAsync<ImageStoreException>(() => client.UploadFileAsync("client-entra/reader/other.txt", "x"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("E_ACCESSDENIED", refused.Code);
        Assert.Contains("Admin role", refused.Message);
    }

    [Fact]
    public async Task The_credential_factory_gets_the_clusters_tenant_and_client_application()
    {
        ClusterAadMetadata? seen = null;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddImageStoreClient(o =>
        {
            o.Endpoint = fixture.Server.Address;
            o.CredentialFactory = metadata =>
            {
                seen = metadata;
                return new IssuerCredential(fixture, ["Admin"]);
            };
        });
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IImageStoreReader>().ListPageAsync(null, null);
        Assert.NotNull(seen);
        Assert.True(seen.IsAad);
        Assert.Equal(EntraServerFixture.Tenant, seen.Tenant);
        Assert.Equal(EntraServerFixture.ClientApplication, seen.Client);
        Assert.Equal(EntraServerFixture.ClusterApplication, seen.Cluster);
    }

    [Fact]
    public async Task A_credential_that_fails_is_an_authentication_error_and_not_retried()
    {
        var failing = new FailingCredential();
        await using var provider = Services(failing, new RequestLog(), new LogCollector());
        var error = await Assert.ThrowsAsync<ImageStoreAuthenticationException>(() => provider.GetRequiredService<IImageStoreReader>().ListPageAsync(null, null));
        Assert.Contains("No Entra ID token for " + EntraServerFixture.ClusterApplication + "/.default", error.Message);
        Assert.Equal(1, failing.Calls);
    }

    private ServiceProvider Services(TokenCredential credential, RequestLog requests, LogCollector logs)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddImageStoreClient(o =>
        {
            o.Endpoint = fixture.Server.Address;
            o.Credential = credential;
        }).AddHttpMessageHandler(() => requests);
        return services.BuildServiceProvider();
    }

    /// <summary>Tokens signed by the fixture's local issuer, as Entra would issue them for the scope's application.</summary>
    private sealed class IssuerCredential(EntraServerFixture fixture, string[] roles) : TokenCredential
    {
        public ConcurrentQueue<string> Scopes { get; } = new();

        public ConcurrentQueue<string> Issued { get; } = new();

        private int _calls;

        public int Calls => _calls;

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            foreach (var scope in requestContext.Scopes)
            {
                Scopes.Enqueue(scope);
            }

            var audience = requestContext.Scopes.Single().Replace("/.default", "", StringComparison.Ordinal);
            var token = fixture.Token(roles, audience: audience);
            Issued.Enqueue(token);
            return ValueTask.FromResult(new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1)));
        }
    }

    private sealed class FailingCredential : TokenCredential
    {
        private int _calls;

        public int Calls => _calls;

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new InvalidOperationException("no sign-in here");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("no sign-in here");
        }
    }

    /// <summary>The path of every request that leaves the client (inside the bearer-token handler).</summary>
    private sealed class RequestLog : DelegatingHandler
    {
        private readonly ConcurrentQueue<string> _paths = new();

        public int Count(Func<string, bool> predicate) => _paths.Count(predicate);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _paths.Enqueue(request.RequestUri!.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class LogCollector : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(LogCollector owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Messages.Enqueue(formatter(state, exception) + exception);
        }
    }
}
