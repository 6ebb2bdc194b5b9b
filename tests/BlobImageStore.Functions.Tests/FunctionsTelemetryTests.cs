using System.Diagnostics;
using BlobImageStore.Functions.Telemetry;
using BlobImageStore.Functions.Tests.Infrastructure;
using BlobImageStore.IntegrationTests.Infrastructure;
using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Channel;
using Microsoft.ApplicationInsights.DataContracts;
using Microsoft.ApplicationInsights.Extensibility;

namespace BlobImageStore.Functions.Tests;

/// <summary>The worker's telemetry carries what the self-host's OpenTelemetry span and meter carry.</summary>
[Collection(HostsCollection.Name)]
public sealed class FunctionsTelemetryTests(HostsFixture hosts)
{
    [Fact]
    public async Task A_function_call_tags_the_invocations_activity_with_operation_session_bytes_and_outcome()
    {
        var session = Guid.NewGuid();
        using var invocation = new Activity("Invoke").Start(); // what the worker runs the function under

        var answer = await hosts.Functions.SendAsync(HttpMethod.Put, ImageStoreApi.ChunkUrl(TestData.NewPath(), session), new byte[100], "bytes 0-99/200");

        Assert.Equal(200, answer.Status);
        Assert.Equal("UploadFileChunk", invocation.GetTagItem("imagestore.operation"));
        Assert.Equal(session.ToString(), invocation.GetTagItem("imagestore.session_id"));
        Assert.Equal(100L, invocation.GetTagItem("imagestore.bytes"));
        Assert.Equal("OK", invocation.GetTagItem("imagestore.outcome"));
    }

    [Fact]
    public async Task Telemetry_sent_under_the_request_gets_its_tags_as_custom_dimensions_and_the_meter_becomes_custom_metrics()
    {
        var channel = new CollectingChannel();
        using var configuration = new TelemetryConfiguration { TelemetryChannel = channel, ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000" };
        configuration.TelemetryInitializers.Add(new ImageStoreTelemetryInitializer());
        var client = new TelemetryClient(configuration);
        using var forwarder = new ImageStoreMetricsForwarder(client);
        forwarder.Start();
        var session = Guid.NewGuid();

        using (new Activity("Invoke").Start())
        {
            var answer = await hosts.Functions.SendAsync(HttpMethod.Post, $"/ImageStore/$/CommitUploadSession?api-version=6.0&session-id={session}");
            Assert.Equal(404, answer.Status);
            client.TrackTrace("the request's log line");
        }

        client.TrackTrace("after the request");
        client.Flush();

        var traces = channel.Items.OfType<TraceTelemetry>().ToList();
        var during = traces.Single(t => t.Message == "the request's log line");
        Assert.Equal("CommitImageStoreUploadSession", during.Properties["imagestore.operation"]);
        Assert.Equal(session.ToString(), during.Properties["imagestore.session_id"]);
        Assert.Equal("FABRIC_E_FILE_NOT_FOUND", during.Properties["imagestore.outcome"]);
        Assert.DoesNotContain(traces.Single(t => t.Message == "after the request").Properties.Keys, k => k.StartsWith("imagestore.", StringComparison.Ordinal));

        var metrics = channel.Items.OfType<MetricTelemetry>().ToList();
        Assert.Contains(metrics, m => m.Name == "imagestore.requests"
            && m.Properties.TryGetValue("imagestore.operation", out var op) && op == "CommitImageStoreUploadSession"
            && m.Properties.TryGetValue("imagestore.outcome", out var outcome) && outcome == "FABRIC_E_FILE_NOT_FOUND");
        Assert.Contains(metrics, m => m.Name == "imagestore.request.duration");
    }

    private sealed class CollectingChannel : ITelemetryChannel
    {
        private readonly List<ITelemetry> _items = [];

        public bool? DeveloperMode { get; set; }

        public string EndpointAddress { get; set; } = "";

        public IReadOnlyList<ITelemetry> Items
        {
            get
            {
                lock (_items)
                {
                    return _items.ToList();
                }
            }
        }

        public void Send(ITelemetry item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
