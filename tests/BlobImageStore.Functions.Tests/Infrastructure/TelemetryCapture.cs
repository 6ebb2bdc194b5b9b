using System.Diagnostics;
using BlobImageStore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BlobImageStore.Functions.Tests.Infrastructure;

/// <summary>
/// OpenTelemetry's in-memory exporter added to a host's own pipeline (after the host configured it), and what it
/// caught: finished spans, metric snapshots, log records. Spans and logs of one request are found by its trace id,
/// since other tests in the process may be producing telemetry at the same time.
/// </summary>
public sealed class TelemetryCapture
{
    private readonly List<Activity> _spans = [];
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly List<LogRecord> _logs = [];

    public void AddTo(IServiceCollection services)
    {
        services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(_spans));
        services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(_metrics));
        services.ConfigureOpenTelemetryLoggerProvider(l => l.AddInMemoryExporter(_logs));
    }

    /// <summary>
    /// Creates the pipeline's providers, as the OpenTelemetry hosted service does when a host starts: from then on they
    /// listen to the sources and meters (an in-process app without a host has no hosted services).
    /// </summary>
    public static void Start(IServiceProvider services)
    {
        services.GetRequiredService<TracerProvider>();
        services.GetRequiredService<MeterProvider>();
    }

    /// <summary>Every span finished so far.</summary>
    public IReadOnlyList<Activity> AllSpans()
    {
        lock (_spans)
        {
            return _spans.ToList();
        }
    }

    /// <summary>The spans of one trace, finished so far.</summary>
    public IReadOnlyList<Activity> Trace(ActivityTraceId traceId)
    {
        lock (_spans)
        {
            return _spans.Where(s => s.TraceId == traceId).ToList();
        }
    }

    /// <summary>The log records written under one trace: (category, formatted message, span id).</summary>
    public IReadOnlyList<(string? Category, string? Message, ActivitySpanId SpanId)> Logs(ActivityTraceId traceId)
    {
        lock (_logs)
        {
            return _logs.Where(l => l.TraceId == traceId).Select(l => (l.CategoryName, l.FormattedMessage, l.SpanId)).ToList();
        }
    }

    /// <summary>Collects the metrics now (the meter provider exports on demand) and returns the points of one metric.</summary>
    public IReadOnlyList<MetricPoint> Points(IServiceProvider services, string name)
    {
        services.GetRequiredService<MeterProvider>().ForceFlush();
        lock (_metrics)
        {
            var snapshot = _metrics.LastOrDefault(m => m.Name == name);
            return snapshot is null ? [] : snapshot.MetricPoints.ToList();
        }
    }

    public static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }

    /// <summary>
    /// What every host's trace of one chunk upload must show: the operation's span on the <c>BlobImageStore</c> source,
    /// named after the operation, a child of <paramref name="parent"/> and tagged; below it, the Azure SDK's spans of the
    /// storage calls it made (Stage Block among them). Returns the operation span.
    /// </summary>
    public static Activity AssertChunkUploadTrace(IReadOnlyList<Activity> trace, ActivitySpanId parent, Guid session)
    {
        var operation = Assert.Single(trace, s => s.Source.Name == RequestTelemetry.SourceName);
        Assert.Equal("UploadFileChunk", operation.DisplayName);
        Assert.Equal(parent, operation.ParentSpanId);
        Assert.Equal("UploadFileChunk", operation.GetTagItem(RequestTelemetry.OperationTag));
        Assert.Equal("OK", operation.GetTagItem(RequestTelemetry.OutcomeTag));
        Assert.Equal(session.ToString(), operation.GetTagItem(RequestTelemetry.SessionIdTag));
        Assert.Equal(100L, operation.GetTagItem(RequestTelemetry.BytesTag));
        Assert.Equal(ActivityStatusCode.Unset, operation.Status);

        var byId = trace.ToDictionary(s => s.SpanId);
        bool Below(Activity span)
        {
            for (var id = span.ParentSpanId; byId.TryGetValue(id, out var up); id = up.ParentSpanId)
            {
                if (up == operation)
                {
                    return true;
                }
            }

            return false;
        }

        var storage = trace.Where(s => s.Source.Name.StartsWith("Azure.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(storage);
        Assert.All(storage, s => Assert.True(Below(s), $"storage span {s.Source.Name} {s.DisplayName} is not below the operation span"));
        Assert.Contains(storage, s => s.Source.Name == "Azure.Storage.Blobs.BlockBlobClient" && s.DisplayName == "BlockBlobClient.StageBlock");
        Assert.Contains(storage, s => s.Source.Name == "Azure.Core.Http" && s.Kind == ActivityKind.Client);
        return operation;
    }

    /// <summary>
    /// The request's metrics: <c>imagestore.requests</c> counted it by operation and outcome, and
    /// <c>imagestore.request.duration</c> (seconds) has the second-sized buckets, with the request in a bucket below 10 s.
    /// </summary>
    public void AssertRequestMetrics(IServiceProvider services, string operation, string outcome)
    {
        var requests = Points(services, "imagestore.requests");
        Assert.Contains(requests, p => (string?)Tag(p, RequestTelemetry.OperationTag) == operation
            && (string?)Tag(p, RequestTelemetry.OutcomeTag) == outcome && p.GetSumLong() >= 1);

        var duration = Assert.Single(Points(services, "imagestore.request.duration"),
            p => (string?)Tag(p, RequestTelemetry.OperationTag) == operation && (string?)Tag(p, RequestTelemetry.OutcomeTag) == outcome);
        var buckets = new List<(double Bound, long Count)>();
        foreach (var bucket in duration.GetHistogramBuckets())
        {
            buckets.Add((bucket.ExplicitBound, bucket.BucketCount));
        }

        Assert.Equal(RequestTelemetry.DurationBuckets.Append(double.PositiveInfinity), buckets.Select(b => b.Bound));
        Assert.True(duration.GetHistogramCount() >= 1);
        // A request of milliseconds lands in a bucket of its own size, not in the overflow (as it did with ms bounds).
        Assert.True(buckets.Where(b => b.Bound <= 10).Sum(b => b.Count) >= 1, string.Join(", ", buckets));
    }
}
