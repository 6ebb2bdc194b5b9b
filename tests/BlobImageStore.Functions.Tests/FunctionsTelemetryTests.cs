using System.Diagnostics;
using BlobImageStore.Functions.Tests.Infrastructure;
using BlobImageStore.Http;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.Functions.Tests;

/// <summary>
/// The Functions app's OpenTelemetry pipeline, as <see cref="ImageStoreFunctionsApp.AddImageStoreFunctions"/> builds it,
/// with OpenTelemetry's in-memory exporter added: a function call under the worker's invocation span produces the
/// operation span, the storage spans below it, the request metrics and the request's log line in the same trace.
/// </summary>
[Collection(HostsCollection.Name)]
public sealed class FunctionsTelemetryTests(HostsFixture hosts, Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>The worker's own activity source, which UseFunctionsWorkerDefaults adds to the pipeline.</summary>
    private static readonly ActivitySource Worker = new("Microsoft.Azure.Functions.Worker");

    /// <summary>An invocation span as the worker starts one around each function call (recorded, so its children are).</summary>
    private static Activity Invocation() =>
        Worker.StartActivity("function invoke", ActivityKind.Internal) ?? throw new InvalidOperationException("The pipeline does not listen to the worker's source.");

    [Fact]
    public async Task A_chunk_upload_produces_the_operation_span_the_storage_spans_the_metrics_and_the_log_line()
    {
        var capture = new TelemetryCapture();
        await using var app = InProcessFunctions.Create(hosts.Azurite.ConnectionString, HostsFixture.FunctionsSettings, configure: capture.AddTo);
        TelemetryCapture.Start(app.Services); // what the worker's host does at start: the pipeline listens from now on
        var session = Guid.NewGuid();

        Answer answer;
        ActivityTraceId traceId;
        ActivitySpanId invocationId;
        using (var invocation = Invocation()) // the span the worker runs the function under
        {
            traceId = invocation.TraceId;
            invocationId = invocation.SpanId;
            answer = await app.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(TestData.NewPath(), session), new byte[100], "bytes 0-99/200");

            // The invocation's span carries the request's tags too (Azure Monitor shows it as the request).
            Assert.Equal("UploadFileChunk", invocation.GetTagItem(RequestTelemetry.OperationTag));
            Assert.Equal("OK", invocation.GetTagItem(RequestTelemetry.OutcomeTag));
            Assert.Equal(session.ToString(), invocation.GetTagItem(RequestTelemetry.SessionIdTag));
        }

        Assert.Equal(200, answer.Status);
        var trace = capture.Trace(traceId);
        var operation = TelemetryCapture.AssertChunkUploadTrace(trace, invocationId, session);
        // What one first chunk of a session costs in spans (for sizing telemetry), printed with the test's output.
        foreach (var group in trace.GroupBy(s => s.Source.Name).OrderBy(g => g.Key))
        {
            output.WriteLine($"{group.Count(),3} {group.Key}: {string.Join(", ", group.Select(s => s.DisplayName).Distinct())}");
        }

        capture.AssertRequestMetrics(app.Services, "UploadFileChunk", "OK");
        Assert.Contains(capture.Logs(traceId), l => l.Category == typeof(ImageStoreEndpoint).FullName && l.SpanId == operation.SpanId
            && l.Message!.Contains("UploadFileChunk", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refused_request_is_counted_by_its_FabricError_code_and_names_it_on_the_span()
    {
        var capture = new TelemetryCapture();
        await using var app = InProcessFunctions.Create(hosts.Azurite.ConnectionString, HostsFixture.FunctionsSettings, configure: capture.AddTo);
        TelemetryCapture.Start(app.Services);
        var session = Guid.NewGuid();

        ActivityTraceId traceId;
        using (var invocation = Invocation())
        {
            traceId = invocation.TraceId;
            var answer = await app.SendAsync(HttpMethod.Post, $"/ImageStore/$/CommitUploadSession?api-version=6.0&session-id={session}");
            Assert.Equal(404, answer.Status);
        }

        var operation = Assert.Single(capture.Trace(traceId), s => s.Source.Name == RequestTelemetry.SourceName);
        Assert.Equal("CommitImageStoreUploadSession", operation.DisplayName);
        Assert.Equal("FABRIC_E_FILE_NOT_FOUND", operation.GetTagItem(RequestTelemetry.OutcomeTag));
        Assert.Equal("FABRIC_E_FILE_NOT_FOUND", operation.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Unset, operation.Status); // a client's mistake (4xx) is not the service's error
        capture.AssertRequestMetrics(app.Services, "CommitImageStoreUploadSession", "FABRIC_E_FILE_NOT_FOUND");
    }
}
