using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using Azure.Storage.Blobs;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;
using BlobImageStore.Storage;

namespace BlobImageStore.Bench;

/// <summary>
/// Invariant 8 of issue #10: a single-file Delete, a folder Copy and Info cost within 2× of an empty store when
/// <c>--sessions</c> open upload sessions exist elsewhere in the store. Prints the median time of each operation on an
/// empty store, with the sessions, and the ratio.
/// <para>Opening the sessions is load on a shared machine, not what is measured, so it is made robust: at most
/// <see cref="OpenParallelism"/> first chunks in flight, and a chunk answered 503 (Busy, with Retry-After), 500/504, or
/// cut off by a timeout is sent again with the same session id (a re-send of the same bytes is answered 200 whether or
/// not the first attempt got in), until <see cref="SessionDeadline"/>. The timed operations are not retried.</para>
/// <para>The empty store is a second server with containers of its own on the same Azurite, timed alternately with the
/// crowded one, operation by operation, so that other load on the machine weighs on both columns alike; the last column
/// is the crowded server's own time before its sessions were opened (sequential, so more exposed to load changes).</para>
/// <para>Info reads the session container's usage summary, which the cleanup writes (at the server's start, then every
/// <c>ImageStore:CleanupInterval</c>) and Info itself writes when there is none or it is stale. So, once the sessions are
/// open, the summary is removed from both stores and the first Info on each (which measures by listing the session
/// container, and writes the summary) is timed and printed apart; the timed Infos then read a summary that counts every
/// open session (checked before and after they are timed). Azurite keeps its data on disk unless <c>--in-memory</c>.</para>
/// <para>It runs on an Azurite of its own, so the sessions it opens weigh on no other part of the benchmark: alone with
/// <c>--sessions N</c>, or as the last part of the full run (<c>--sessions-elsewhere N</c>).</para>
/// </summary>
public sealed class SessionsBenchmark(int sessions, int repetitions, bool inMemory = false)
{
    /// <summary>First chunks in flight while the sessions are opened (the server and Azurite share two cores).</summary>
    private const int OpenParallelism = 8;

    /// <summary>How long one session may take to open, retries included, before the benchmark gives up.</summary>
    private static readonly TimeSpan SessionDeadline = TimeSpan.FromMinutes(20);

    /// <summary>One attempt's timeout while opening sessions.</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Opens the sessions, times the operations, prints the table and returns it (Markdown).</summary>
    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("blobimagestore-bench-sessions-");
        try
        {
            await using var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions
            {
                ToolsRoot = RepoPaths.Root,
                Port = AzuriteProcess.FreePort(),
                Location = Path.Combine(work.FullName, "azurite"),
                InMemory = inMemory,
            }, reuseRunning: false, cancellationToken);
            var blobs = new BlobServiceClient(azurite.ConnectionString);
            var (crowdedSessions, emptySessions) = (blobs.GetBlobContainerClient("imagestore-sessions"), blobs.GetBlobContainerClient("empty-sessions"));
            // Two servers on the one Azurite: the crowded store (default containers) and an empty one (containers of its
            // own). Their operations are timed alternately, so the machine's load at any moment weighs on both alike.
            await using var server = await ServerProcess.StartAsync(azurite.ConnectionString);
            await using var emptyServer = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>
            {
                ["ImageStore__Container"] = "empty",
                ["ImageStore__SessionContainer"] = "empty-sessions",
            });
            using var http = new HttpClient { BaseAddress = server.Address, Timeout = Timeout.InfiniteTimeSpan };
            using var emptyHttp = new HttpClient { BaseAddress = emptyServer.Address, Timeout = Timeout.InfiniteTimeSpan };
            foreach (var client in new[] { http, emptyHttp })
            {
                await PutAsync(client, "src/_.dir", [], cancellationToken);
                for (var i = 0; i < 10; i++)
                {
                    await PutAsync(client, $"src/f{i}.bin", new byte[1000], cancellationToken);
                }
            }

            Console.WriteLine($"Delete / Copy / Info with {sessions:N0} open upload sessions elsewhere; median of {repetitions}; Azurite {(inMemory ? "in memory" : "on disk")}");
            await WaitForSummaryAsync(crowdedSessions, expected: 0, cancellationToken); // the cleanup's run at start
            await WaitForSummaryAsync(emptySessions, expected: 0, cancellationToken);
            Console.WriteLine($"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");
            var before = await MeasureAsync([(http, "before")], cancellationToken);

            var started = Stopwatch.StartNew();
            var opened = 0;
            var retries = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = OpenParallelism, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                Interlocked.Add(ref retries, await OpenSessionAsync(http, $"elsewhere/{i}/f.bin", Guid.NewGuid(), ct));
                if (Interlocked.Increment(ref opened) % 1000 == 0)
                {
                    Console.WriteLine($"  {opened:N0} sessions open after {started.Elapsed.TotalSeconds:0} s");
                }
            });
            Console.WriteLine($"  {sessions:N0} sessions opened in {started.Elapsed.TotalSeconds:0.0} s ({OpenParallelism} in flight, {retries:N0} chunks sent again after 503/5xx/timeout)");

            // Info with no usage summary (a fresh store, or the cleanup down for two intervals): it measures the session
            // container by listing it, and writes the summary. Timed once per store, alternately.
            await crowdedSessions.GetBlobClient(BlobSessionUsageSummary.BlobName).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            await emptySessions.GetBlobClient(BlobSessionUsageSummary.BlobName).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            var firstEmpty = await TimeAsync(() => emptyHttp.GetAsync("/ImageStore/$/Info?api-version=6.5", cancellationToken));
            var firstCrowded = await TimeAsync(() => http.GetAsync("/ImageStore/$/Info?api-version=6.5", cancellationToken));
            await WaitForSummaryAsync(crowdedSessions, expected: sessions, cancellationToken);
            Console.WriteLine($"  Info reports {await OpenSessionsAsync(http, cancellationToken)} open upload sessions on the crowded store, {await OpenSessionsAsync(emptyHttp, cancellationToken)} on the empty one");
            var both = await MeasureAsync([(emptyHttp, "empty"), (http, "crowded")], cancellationToken);
            Console.WriteLine($"  after the timed runs, Info reports {await OpenSessionsAsync(http, cancellationToken)} open upload sessions on the crowded store (from its summary)");
            var (empty, crowded) = (both[0], both[1]);

            var table = new StringBuilder();
            table.AppendLine(CultureInfo.InvariantCulture, $"| operation (median of {repetitions}) | empty store (ms) | with {sessions:N0} open sessions elsewhere (ms) | ratio | same server before its sessions (ms) |");
            table.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var (name, ms) in empty)
            {
                table.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {ms:0.0} | {crowded[name]:0.0} | {crowded[name] / ms:0.00} | {before[0][name]:0.0} |");
            }

            table.AppendLine(CultureInfo.InvariantCulture, $"| Info, first after the sessions, no summary: measures and writes it (once) | {firstEmpty:0.0} | {firstCrowded:0.0} | {firstCrowded / firstEmpty:0.00} | |");
            Console.WriteLine();
            Console.Write(table);
            return table.ToString();
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Sends the session's first chunk until it is in; returns how many times it was sent again.</summary>
    private static async Task<int> OpenSessionAsync(HttpClient http, string path, Guid sessionId, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            using var content = new ByteArrayContent(new byte[10]);
            content.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-9/20");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(AttemptTimeout);
            TimeSpan? pause;
            string failure;
            try
            {
                using var response = await http.PutAsync($"/ImageStore/{path}/$/UploadChunk?api-version=6.0&timeout=600&session-id={sessionId}", content, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return attempt;
                }

                if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError or HttpStatusCode.GatewayTimeout))
                {
                    throw new HttpRequestException($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }

                pause = response.Headers.RetryAfter?.Delta;
                failure = $"{(int)response.StatusCode}";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                (pause, failure) = (null, "timeout");
            }
            catch (HttpRequestException e) when (e.StatusCode is null)
            {
                (pause, failure) = (null, e.Message); // the connection was dropped
            }

            if (deadline.Elapsed > SessionDeadline)
            {
                throw new TimeoutException($"{path}: not open after {attempt + 1} attempts in {deadline.Elapsed.TotalSeconds:0} s (last: {failure})");
            }

            // Retry-After when the server gives one, else full jitter growing to 5 s.
            var ceiling = Math.Min(5000, 100 * (1 << Math.Min(attempt, 6)));
            await Task.Delay(pause ?? TimeSpan.FromMilliseconds(Random.Shared.Next(ceiling)), cancellationToken);
        }
    }

    /// <summary>
    /// Waits (no fixed sleep; a generous deadline) until the store's usage summary exists and counts
    /// <paramref name="expected"/> open sessions: written by the cleanup's run at start, or by the first Info.
    /// </summary>
    private static async Task WaitForSummaryAsync(BlobContainerClient sessionContainer, long expected, CancellationToken cancellationToken)
    {
        var blob = sessionContainer.GetBlobClient(BlobSessionUsageSummary.BlobName);
        var deadline = Stopwatch.StartNew();
        var seen = "none";
        while (deadline.Elapsed < TimeSpan.FromMinutes(10))
        {
            if ((await blob.ExistsAsync(cancellationToken)).Value)
            {
                using var summary = System.Text.Json.JsonDocument.Parse((await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToString());
                var open = summary.RootElement.GetProperty("Usage").GetProperty("OpenSessions").GetInt64();
                if (open == expected)
                {
                    return;
                }

                seen = $"{open} open sessions";
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"{sessionContainer.Name}: no usage summary with {expected:N0} open sessions after 10 minutes (last seen: {seen})");
    }

    private static async Task<string> OpenSessionsAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/ImageStore/$/Info?api-version=6.5", cancellationToken);
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("UsedByStaging", out var staging) && staging.TryGetProperty("FileCount", out var count)
            ? count.ToString()
            : "? (" + json + ")";
    }

    /// <summary>Times each operation on each store in turn, repetition by repetition; the median per store.</summary>
    private async Task<List<Dictionary<string, double>>> MeasureAsync((HttpClient Http, string Label)[] stores, CancellationToken cancellationToken)
    {
        var times = stores.Select(_ => new Dictionary<string, List<double>> { ["Delete (one file)"] = [], ["Copy (folder of 11 files)"] = [], ["Info"] = [] }).ToList();
        for (var r = 0; r < repetitions; r++)
        {
            for (var s = 0; s < stores.Length; s++)
            {
                var (http, label) = stores[s];
                await PutAsync(http, $"del/{label}-{r}.bin", new byte[1000], cancellationToken);
            }

            for (var s = 0; s < stores.Length; s++)
            {
                var (http, label) = stores[s];
                times[s]["Delete (one file)"].Add(await TimeAsync(() => http.DeleteAsync($"/ImageStore/del/{label}-{r}.bin?api-version=6.0", cancellationToken)));
            }

            for (var s = 0; s < stores.Length; s++)
            {
                var (http, label) = stores[s];
                var body = Encoding.UTF8.GetBytes($"{{\"RemoteSource\":\"src\",\"RemoteDestination\":\"dst/{label}-{r}\"}}");
                times[s]["Copy (folder of 11 files)"].Add(await TimeAsync(() =>
                {
                    var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    return http.PostAsync("/ImageStore/$/Copy?api-version=6.0", content, cancellationToken);
                }));
            }

            for (var s = 0; s < stores.Length; s++)
            {
                var http = stores[s].Http;
                times[s]["Info"].Add(await TimeAsync(() => http.GetAsync("/ImageStore/$/Info?api-version=6.5", cancellationToken)));
            }
        }

        return times.Select(t => t.ToDictionary(x => x.Key, x => x.Value.Order().ElementAt(x.Value.Count / 2))).ToList();
    }

    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> send)
    {
        var started = Stopwatch.StartNew();
        using var response = await send();
        var elapsed = started.Elapsed.TotalMilliseconds;
        response.EnsureSuccessStatusCode();
        return elapsed;
    }

    /// <summary>Set-up writes (not timed): sent again after a 503 (Retry-After) or 5xx.</summary>
    private static async Task PutAsync(HttpClient http, string path, byte[] content, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await http.PutAsync($"/ImageStore/{path}?api-version=6.0", new ByteArrayContent(content), cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (attempt >= 10 || (int)response.StatusCode < 500)
            {
                response.EnsureSuccessStatusCode();
            }

            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200 * (attempt + 1)), cancellationToken);
        }
    }
}
