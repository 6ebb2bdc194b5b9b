using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using BlobImageStore.Http;
using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Metrics;
using Microsoft.Extensions.Hosting;

namespace BlobImageStore.Functions.Telemetry;

/// <summary>
/// Forwards the <c>BlobImageStore</c> meter (<c>imagestore.requests</c>, <c>imagestore.request.duration</c>,
/// <c>imagestore.bytes_staged</c>, tagged by operation and outcome) to Application Insights as pre-aggregated custom
/// metrics with the same names and dimensions. The Application Insights 2.x SDK that the Functions worker integration
/// needs does not read System.Diagnostics.Metrics itself; the self-host exports the same meter with OpenTelemetry.
/// </summary>
public sealed class ImageStoreMetricsForwarder(TelemetryClient telemetry) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<(string Name, string Dimensions), Metric> _metrics = new();
    private MeterListener? _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Starts listening (idempotent).</summary>
    public void Start()
    {
        if (_listener is not null)
        {
            return;
        }

        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RequestTelemetry.SourceName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Track(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Track(instrument, value, tags));
        listener.Start();
        _listener = listener;
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _listener = null;
    }

    private void Track(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // Dimensions in a fixed (sorted) order, so one series per combination of tag values.
        var pairs = tags.ToArray();
        Array.Sort(pairs, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var names = pairs.Select(p => p.Key).ToArray();
        var metric = _metrics.GetOrAdd((instrument.Name, string.Join('|', names)), static (key, state) =>
            state.Telemetry.GetMetric(new MetricIdentifier(string.Empty, key.Name, state.Names)), (Telemetry: telemetry, Names: names));
        var values = pairs.Select(p => Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty).ToArray();
        if (metric.TryGetDataSeries(out var series, createIfNotExists: true, values))
        {
            series.TrackValue(value);
        }
    }
}
