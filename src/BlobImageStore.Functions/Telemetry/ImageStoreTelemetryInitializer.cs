using System.Diagnostics;
using Microsoft.ApplicationInsights.Channel;
using Microsoft.ApplicationInsights.DataContracts;
using Microsoft.ApplicationInsights.Extensibility;

namespace BlobImageStore.Functions.Telemetry;

/// <summary>
/// Puts the image store's request tags (<c>imagestore.operation</c>, <c>imagestore.session_id</c>, <c>imagestore.bytes</c>,
/// <c>imagestore.outcome</c>), which <see cref="Http.RequestTelemetry"/> sets on the current activity, on every Application
/// Insights item the worker sends while that activity is current (the request's log line among them) as custom
/// dimensions: the worker's counterpart of the self-host's tagged OpenTelemetry request span.
/// </summary>
public sealed class ImageStoreTelemetryInitializer : ITelemetryInitializer
{
    public const string TagPrefix = "imagestore.";

    public void Initialize(ITelemetry telemetry)
    {
        if (telemetry is not ISupportProperties item)
        {
            return;
        }

        // The nearest activity's tag wins; a child activity (e.g. a storage call) still carries its request's tags.
        for (var activity = Activity.Current; activity is not null; activity = activity.Parent)
        {
            foreach (var (key, value) in activity.TagObjects)
            {
                if (value is not null && key.StartsWith(TagPrefix, StringComparison.Ordinal))
                {
                    item.Properties.TryAdd(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }
    }
}
