using BlobImageStore;
using BlobImageStore.Security;
using BlobImageStore.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.UseGatewayAddressByDefault();                 // http://127.0.0.1:19080 unless --urls says otherwise
builder.UseImageStoreKestrelSecurity();               // client certificates reach ImageStore:Security; connection limit
await builder.UseEmbeddedAzuriteWhenUnconfiguredAsync(); // no ImageStore:Storage: start Azurite from the repo
builder.Services.AddBlobImageStore(builder.Configuration);
builder.Services.AddHostedService<SessionCleanupService>(); // expired sessions, old tombstones, stale path claims
builder.AddImageStoreTelemetry();

var app = builder.Build();
app.UseImageStoreSecurity();                           // caller, rate limits, loopback-only anonymous (Security/)
app.MapImageStore();
await app.RunAsync();

/// <summary>The self-hosted server (public for tests that locate its assembly).</summary>
public partial class Program;
