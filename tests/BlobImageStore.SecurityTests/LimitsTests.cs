using System.Diagnostics;
using System.Net;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.SecurityTests.Infrastructure;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.SecurityTests;

public sealed class LimitsAzuriteFixture : IAsyncLifetime
{
    public TestAzurite Azurite { get; private set; } = null!;

    public async Task InitializeAsync() => Azurite = await TestAzurite.StartAsync("sec-limits", inMemory: true);

    public async Task DisposeAsync() => await Azurite.DisposeAsync();

    public Task<ServerProcess> StartServerAsync(params (string Key, string Value)[] limits)
    {
        var settings = new Dictionary<string, string> { ["ImageStore__Storage"] = Azurite.ConnectionString };
        foreach (var (key, value) in limits)
        {
            settings["ImageStore__Limits__" + key] = value;
        }

        return ServerProcess.StartAsync(new Uri($"http://127.0.0.1:{AzuriteProcess.FreePort()}"), settings);
    }
}

/// <summary>The limits against abuse answer as the README documents: 503 FABRIC_E_SERVICE_TOO_BUSY with Retry-After, a clamped timeout, closed connections.</summary>
public sealed class LimitsTests(LimitsAzuriteFixture fixture) : IClassFixture<LimitsAzuriteFixture>
{
    [Fact]
    public async Task A_caller_over_its_concurrent_uploads_gets_503_with_retry_after_and_other_requests_go_on()
    {
        await using var server = await fixture.StartServerAsync(("MaxConcurrentUploadsPerCaller", "1"), ("UploadQueueLimitPerCaller", "0"), ("RetryAfterSeconds", "7"));
        using var client = new HttpClient { BaseAddress = server.Address };
        await using (var held = await AdmittedAsync(server.Address, "/ImageStore/limits/held.bin?api-version=6.0"))
        {
            var second = await client.SendAsync(() => Calls.Upload("limits/second.txt"));
            second.Is(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("FABRIC_E_SERVICE_TOO_BUSY", second.Code);
            Assert.Contains("MaxConcurrentUploadsPerCaller", second.Message);
            Assert.Equal(TimeSpan.FromSeconds(7), second.Headers.RetryAfter?.Delta);

            (await client.SendAsync(Calls.List)).IsSuccess(); // reading is not an upload
        }

        // Served again once the server has seen the held connection close.
        await Eventually(() => client.SendAsync(() => Calls.Upload("limits/after.txt")), a => a.Status == HttpStatusCode.OK);
    }

    [Fact]
    public async Task Requests_over_the_server_limit_and_its_queue_get_503()
    {
        await using var server = await fixture.StartServerAsync(("MaxConcurrentRequests", "1"), ("RequestQueueLimit", "0"));
        using var client = new HttpClient { BaseAddress = server.Address };
        await using (var held = await AdmittedAsync(server.Address, "/ImageStore/limits/busy.bin?api-version=6.0"))
        {
            var answer = await client.SendAsync(Calls.List);
            answer.Is(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("FABRIC_E_SERVICE_TOO_BUSY", answer.Code);
            Assert.Contains("MaxConcurrentRequests", answer.Message);
            Assert.NotNull(answer.Headers.RetryAfter);

            (await client.SendAsync(Calls.AadMetadata)).Is(HttpStatusCode.OK); // unauthenticated paths are not limited
        }

        await Eventually(() => client.SendAsync(Calls.List), a => (int)a.Status is >= 200 and < 300);
    }

    [Fact]
    public async Task A_huge_timeout_is_clamped_to_MaxRequestTimeout_and_a_trickling_upload_ends_in_504()
    {
        await using var server = await fixture.StartServerAsync(("MaxRequestTimeout", "00:00:02"));
        var clock = Stopwatch.StartNew();
        await using var held = await HeldRequest.StartAsync(server.Address, "PUT", "/ImageStore/limits/trickle.bin?api-version=6.0&timeout=4294967295");
        var answer = await held.ReadAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("HTTP/1.1 504 FABRIC_E_TIMEOUT", answer);
        Assert.Contains("MaxRequestTimeout", answer);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// Two connections that were each answered once and stay open are the two Kestrel counts, so a third is closed
    /// without an answer. (The test once opened two idle connections right after the readiness probe closed its own: while
    /// Kestrel had not yet seen the probe's close, the probe's connection still held a slot, the second idle connection was
    /// refused, and then the probe's slot was free for the third. Now each held connection proves it is counted, waiting
    /// for slots that closing connections still hold, and nothing waits a fixed time.)
    /// </summary>
    [Fact]
    public async Task Connections_over_MaxConcurrentConnections_are_closed_without_an_answer()
    {
        await using var server = await fixture.StartServerAsync(("MaxConcurrentConnections", "2"));
        await using var first = await CountedConnectionAsync(server.Address);
        await using var second = await CountedConnectionAsync(server.Address);

        await using (var third = await HeldRequest.StartAsync(server.Address, "GET", "/ImageStore?api-version=6.0", declaredLength: 0, sent: 0))
        {
            Assert.Equal("", await third.ReadAsync(TimeSpan.FromSeconds(30))); // closed by the server: no answer, however long we wait
        }

        await first.DisposeAsync();
        using var client = new HttpClient { BaseAddress = server.Address };
        await Eventually(() => client.SendAsync(Calls.List), a => (int)a.Status is >= 200 and < 300); // once the server saw the close
    }

    /// <summary>An upload held open with its body unread, once the server has admitted it (past the limits).</summary>
    private static async Task<HeldRequest> AdmittedAsync(Uri server, string target) =>
        (await Eventually(() => HeldRequest.StartAdmittedAsync(server, "PUT", target, TimeSpan.FromSeconds(30)), held => held is not null))!;

    /// <summary>A connection that has been answered and stays open; retried while the limit is still held by connections being closed.</summary>
    private static async Task<HeldRequest> CountedConnectionAsync(Uri server)
    {
        return (await Eventually(() => HeldRequest.OpenAnsweredAsync(server, TimeSpan.FromSeconds(30)), held => held is not null))!;
    }

    /// <summary>
    /// Repeats <paramref name="attempt"/> until its result is <paramref name="done"/> (a connection the server closes counts
    /// as not yet), for at most a minute: the test waits for what the server does, never for a fixed time.
    /// </summary>
    private static async Task<T> Eventually<T>(Func<Task<T>> attempt, Func<T, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        var last = "nothing yet";
        while (true)
        {
            try
            {
                var result = await attempt();
                if (done(result))
                {
                    return result;
                }

                last = result?.ToString() ?? "null";
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                last = e.Message; // closed by the server: a slot is still held by a connection it has not yet seen closing
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), $"not reached within a minute; last: {last}");
            await Task.Delay(50);
        }
    }
}
