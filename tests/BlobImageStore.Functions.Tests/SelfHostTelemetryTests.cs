using System.Diagnostics;
using System.Net;
using System.Text.Json;
using BlobImageStore.Functions.Tests.Infrastructure;
using BlobImageStore.Http;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace BlobImageStore.Functions.Tests;

/// <summary>
/// The self-host's OpenTelemetry pipeline, as its Program.cs builds it (<see cref="Telemetry.AddImageStoreTelemetry"/> on
/// the image store's services and endpoint), in-process on a free port with OpenTelemetry's in-memory exporter added:
/// a chunk upload over real HTTP gives ASP.NET Core's server span, the operation span below it, the storage spans below
/// that, the request metrics and the log line in the same trace.
/// </summary>
[Collection(HostsCollection.Name)]
public sealed class SelfHostTelemetryTests(HostsFixture hosts)
{
    [Fact]
    public async Task A_chunk_upload_produces_the_server_span_the_operation_span_the_storage_spans_the_metrics_and_the_log_line()
    {
        var capture = new TelemetryCapture();
        var (files, sessions) = hosts.NewContainers("otel");
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["ImageStore:Storage"] = hosts.Azurite.ConnectionString;
        builder.Configuration["ImageStore:Container"] = files;
        builder.Configuration["ImageStore:SessionContainer"] = sessions;
        builder.Services.AddBlobImageStore(builder.Configuration);
        builder.AddImageStoreTelemetry();
        capture.AddTo(builder.Services);
        await using var app = builder.Build();
        app.MapImageStore();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        using var client = new HttpClient { BaseAddress = new Uri(address) };
        var session = Guid.NewGuid();
        using var request = new HttpRequestMessage(HttpMethod.Put, ImageStoreApi.ChunkUrl(TestData.NewPath(), session))
        {
            Content = new ByteArrayContent(new byte[100]),
        };
        request.Content.Headers.Add("Content-Range", "bytes 0-99/200");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The server span ends after the response is sent; wait for it (bounded).
        Activity? server = null;
        for (var i = 0; i < 100 && server is null; i++)
        {
            server = FindServerSpan(capture, session);
            if (server is null)
            {
                await Task.Delay(50);
            }
        }

        Assert.NotNull(server);
        Assert.Equal(ActivityKind.Server, server.Kind);
        Assert.Equal("UploadFileChunk", server.GetTagItem(RequestTelemetry.OperationTag));
        Assert.Equal("OK", server.GetTagItem(RequestTelemetry.OutcomeTag));

        var operation = TelemetryCapture.AssertChunkUploadTrace(capture.Trace(server.TraceId), server.SpanId, session);
        capture.AssertRequestMetrics(app.Services, "UploadFileChunk", "OK");
        Assert.Contains(capture.Logs(server.TraceId), l => l.Category == typeof(ImageStoreEndpoint).FullName && l.SpanId == operation.SpanId);

        await app.StopAsync();
        await hosts.Blobs.GetBlobContainerClient(files).DeleteIfExistsAsync();
        await hosts.Blobs.GetBlobContainerClient(sessions).DeleteIfExistsAsync();
    }

    [Fact]
    public void The_server_turns_on_the_Azure_SDK_spans_in_its_runtimeconfig()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "BlobImageStore.Server.runtimeconfig.json");
        using var runtime = JsonDocument.Parse(File.ReadAllText(file));

        Assert.True(runtime.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties")
            .GetProperty(RequestTelemetry.AzureSdkActivitySwitch).GetBoolean());
    }

    private static Activity? FindServerSpan(TelemetryCapture capture, Guid session) =>
        capture.AllSpans().FirstOrDefault(s => s.Source.Name == "Microsoft.AspNetCore" && (string?)s.GetTagItem(RequestTelemetry.SessionIdTag) == session.ToString());
}
