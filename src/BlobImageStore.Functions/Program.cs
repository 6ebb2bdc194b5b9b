using BlobImageStore.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);

// ASP.NET Core integration: the HTTP functions get the real HttpContext, and the shared handlers write the response.
builder.ConfigureFunctionsWebApplication();
builder.Services.AddImageStoreFunctions(builder.Configuration);

await builder.Build().RunAsync();
