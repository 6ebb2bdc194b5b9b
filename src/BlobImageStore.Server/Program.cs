using BlobImageStore;
using BlobImageStore.Security;
using BlobImageStore.Health;
using BlobImageStore.OpenApi;
using BlobImageStore.Server.Hosting;

// appsettings.json is read from beside the app, wherever the server is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// The Azure SDK logs every expected 404, 409 and 412 of the store's conditional writes as a warning: only its errors.
builder.Logging.AddFilter("Azure.Core", LogLevel.Error);
builder.UseGatewayAddressByDefault();                 // http://127.0.0.1:19080 unless --urls says otherwise
builder.UseImageStoreKestrelSecurity();               // client certificates reach ImageStore:Security; connection limit
builder.UseImageStoreKestrelMemory();                 // 64 KiB read ahead per connection (Hosting/KestrelMemory.cs)
if (!builder.EnsureFree())                            // a busy port: one line naming --urls, exit code 1
{
    return 1;
}

if (!await builder.UseEmbeddedAzuriteWhenUnconfiguredAsync()) // no ImageStore:Storage: start Azurite from the repo
{
    return 1;
}

builder.Services.AddBlobImageStore(builder.Configuration);
builder.Services.AddHostedService<SessionCleanupService>(); // expired sessions, old tombstones, stale path claims
builder.AddImageStoreTelemetry();

var app = builder.Build();
app.MapImageStoreHealth();                             // /healthz, /readyz: anonymous, outside /ImageStore
app.MapImageStoreOpenApi();                            // /openapi/v1.json: the official spec plus what this server adds
app.UseImageStoreSecurity();                           // caller, rate limits, loopback-only anonymous (Security/)
app.MapImageStore();
try
{
    await app.RunAsync();
}
catch (Exception e) when (ListenAddresses.IsAddressInUse(e))
{
    Console.Error.WriteLine($"Cannot listen: {e.Message} Start the server on a free address with --urls http://127.0.0.1:<port>.");
    return 1;
}

return Environment.ExitCode; // 3 when ImageStore:Security refused a non-loopback address (Security/ListenAddressGuard.cs)

/// <summary>The self-hosted server (public for tests that locate its assembly).</summary>
public partial class Program;
