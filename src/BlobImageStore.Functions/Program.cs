using BlobImageStore;
using BlobImageStore.Functions.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);

// ASP.NET Core integration: the HTTP functions get the real HttpContext, and the shared handlers write the response.
builder.ConfigureFunctionsWebApplication();

// The chunk limit is ImageStore:MaxChunkSize (checked by UploadChunk before reading), not the worker's Kestrel default
// of 30 MB; the Functions host in front refuses bodies over 100 MB anyway.
builder.Services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = null);

builder.Services.AddBlobImageStore(builder.Configuration);

// Application Insights from the worker (APPLICATIONINSIGHTS_CONNECTION_STRING), with the image store's request tags on
// its telemetry and the BlobImageStore meter forwarded as custom metrics.
builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();
builder.Services.AddImageStoreApplicationInsights();

await builder.Build().RunAsync();
