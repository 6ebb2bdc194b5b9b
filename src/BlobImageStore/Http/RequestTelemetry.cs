using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http;

/// <summary>
/// What each request reports to telemetry. One span per image store operation on the <c>BlobImageStore</c> activity
/// source (named after the operation, e.g. <c>UploadFileChunk</c>, a child of the host's request span and the parent of
/// the Azure SDK's storage spans), tagged with the operation, the session id, the bytes written and the outcome; the
/// same tags on the host's request span; and metrics on the <c>BlobImageStore</c> meter.
/// </summary>
public static class RequestTelemetry
{
    /// <summary>Name of both the activity source and the meter.</summary>
    public const string SourceName = "BlobImageStore";

    /// <summary>
    /// The Azure SDK's activity sources (<c>Azure.Storage.Blobs.BlobContainerClient</c>, ..., <c>Azure.Core.Http</c>),
    /// which exist only when the SDK's experimental switch <see cref="AzureSdkActivitySwitch"/> is on.
    /// </summary>
    public const string AzureSdkSources = "Azure.*";

    /// <summary>
    /// The AppContext switch (or environment variable <c>AZURE_EXPERIMENTAL_ENABLE_ACTIVITY_SOURCE=true</c>) that makes
    /// the Azure SDK emit its spans through <see cref="ActivitySource"/>. Azure.Core reads it once per process, at its
    /// first call, so the hosts set it in their runtimeconfig.json (RuntimeHostConfigurationOption in the .csproj).
    /// </summary>
    public const string AzureSdkActivitySwitch = "Azure.Experimental.EnableActivitySource";

    public const string BytesItem = "BlobImageStore.Bytes";

    public const string OperationTag = "imagestore.operation";
    public const string OutcomeTag = "imagestore.outcome";
    public const string SessionIdTag = "imagestore.session_id";
    public const string BytesTag = "imagestore.bytes";

    /// <summary>
    /// Bucket bounds of <c>imagestore.request.duration</c>, in seconds: OpenTelemetry's HTTP server duration bounds (5 ms
    /// to 10 s), then on to 300 s, because a chunk of up to 100 MB over a slow link takes minutes (Azure Functions cuts an
    /// HTTP call at 230 s).
    /// </summary>
    public static IReadOnlyList<double> DurationBuckets { get; } =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 300];

    private static readonly ActivitySource Source = new(SourceName);
    private static readonly Meter Meter = new(SourceName);
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("imagestore.requests", description: "Image store requests by operation and outcome");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("imagestore.bytes_staged", "By", "Chunk bytes staged to Blob Storage");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram("imagestore.request.duration", "s", "Image store request duration",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    /// <summary>
    /// Starts the request's operation span (null when nobody listens to the source). It is named <c>ImageStore</c> until
    /// <see cref="SetOperation"/> names it after the operation found.
    /// </summary>
    internal static Activity? StartRequest() => Source.StartActivity("ImageStore", ActivityKind.Internal);

    /// <summary>Names the operation span after the operation (the name the spec and the metrics use).</summary>
    internal static void SetOperation(Activity? activity, string operationId)
    {
        if (activity is not null)
        {
            activity.DisplayName = operationId;
            activity.SetTag(OperationTag, operationId);
        }
    }

    internal static void Record(HttpContext context, string operationId, ImageStoreRequest? request, IResult result, TimeSpan elapsed)
    {
        var error = result as FabricErrorResult;
        var outcome = error?.Code ?? "OK";
        var sessionId = request?.Query("session-id");
        var bytes = context.Items.TryGetValue(BytesItem, out var b) && b is long n ? n : 0;

        var tags = new TagList { { OperationTag, operationId }, { OutcomeTag, outcome } };
        Requests.Add(1, tags);
        Duration.Record(elapsed.TotalSeconds, tags);
        if (bytes > 0)
        {
            Bytes.Add(bytes, new KeyValuePair<string, object?>(OperationTag, operationId));
        }

        // The operation span (when one is current) and the host's request span above it (ASP.NET Core's, or the
        // Functions invocation's) both carry the tags, so requests can be found by operation and outcome either way.
        for (var activity = Activity.Current; activity is not null; activity = activity.Source == Source ? activity.Parent : null)
        {
            activity.SetTag(OperationTag, operationId);
            activity.SetTag(OutcomeTag, outcome);
            activity.SetTag(BytesTag, bytes);
            if (!string.IsNullOrEmpty(sessionId))
            {
                activity.SetTag(SessionIdTag, sessionId);
            }

            if (activity.Source == Source && error is not null)
            {
                // A FabricError is the operation's failure: error.type names it; only server faults (5xx) are errors
                // of the service itself, as OpenTelemetry's HTTP conventions count them.
                activity.SetTag("error.type", error.Code);
                if (context.Response.StatusCode >= 500)
                {
                    activity.SetStatus(ActivityStatusCode.Error, error.Code);
                }
            }
        }
    }
}
