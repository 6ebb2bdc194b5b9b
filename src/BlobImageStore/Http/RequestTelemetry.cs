using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http;

/// <summary>
/// What each request reports to telemetry: the operation, the session id, the bytes written and the outcome, as
/// tags on the current activity (the host's request span) and as metrics on the <c>BlobImageStore</c> meter.
/// </summary>
public static class RequestTelemetry
{
    public const string SourceName = "BlobImageStore";
    public const string BytesItem = "BlobImageStore.Bytes";

    private static readonly Meter Meter = new(SourceName);
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("imagestore.requests", description: "Image store requests by operation and outcome");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("imagestore.bytes_staged", "By", "Chunk bytes staged to Blob Storage");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("imagestore.request.duration", "s", "Image store request duration");

    internal static void Record(HttpContext context, string operationId, ImageStoreRequest? request, IResult result, TimeSpan elapsed)
    {
        var outcome = result is FabricErrorResult error ? error.Code : "OK";
        var sessionId = request?.Query("session-id");
        var bytes = context.Items.TryGetValue(BytesItem, out var b) && b is long n ? n : 0;

        var tags = new TagList { { "imagestore.operation", operationId }, { "imagestore.outcome", outcome } };
        Requests.Add(1, tags);
        Duration.Record(elapsed.TotalSeconds, tags);
        if (bytes > 0)
        {
            Bytes.Add(bytes, new KeyValuePair<string, object?>("imagestore.operation", operationId));
        }

        if (Activity.Current is { } activity)
        {
            activity.SetTag("imagestore.operation", operationId);
            activity.SetTag("imagestore.outcome", outcome);
            activity.SetTag("imagestore.bytes", bytes);
            if (!string.IsNullOrEmpty(sessionId))
            {
                activity.SetTag("imagestore.session_id", sessionId);
            }
        }
    }
}
