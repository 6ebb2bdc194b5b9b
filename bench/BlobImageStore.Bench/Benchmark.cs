using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.Bench;

public sealed record BenchSettings(int SizeMiB, int Parallel, int[] ChunkMiB, int[] TusChunkMiB, int[] MemoryChunkMiB, int LatencyChunks, int Repetitions, bool InMemory, string? Markdown)
{
    /// <summary>Slow connections in the memory-per-connection run (0 skips it).</summary>
    public int SlowConnections { get; init; } = 200;

    /// <summary>How the latency run stages its session's chunks between the first and the last.</summary>
    public LatencyStaging LatencyStaging { get; init; } = LatencyStaging.Direct;

    /// <summary>Open upload sessions for the Delete/Copy/Info cost run, the full run's last part, on an Azurite of its own (0 skips it).</summary>
    public int SessionsElsewhere { get; init; }

    /// <summary>Size of the end-to-end upload of one large file (0 skips it).</summary>
    public int BigFileGiB { get; init; }

    /// <summary>When set, the throughput server runs with perf JIT maps and stops gracefully; see <c>bench/profile.sh</c>.</summary>
    public string? TraceFolder { get; init; }
}

/// <summary>The end-to-end run of one large file.</summary>
public sealed record BigFile(int GiB, double MBps, double CpuPerGiB, long PeakRss);

public sealed record Row(string Name, double MBps, double Ratio, long ServerPeakRss, double ServerCpuPerGiB)
{
    /// <summary>For the HTTP API and tus peer rows: which of the two, and the chunk size, to pair them by chunk size.</summary>
    public (string Server, int ChunkMiB)? Chunked { get; init; }
}

/// <summary>
/// One run, one file, one Azurite: the direct SDK upload (the limit) and the HTTP API at several chunk sizes, each the
/// median of N repetitions and checked by SHA-256; then the server's peak RSS with 8 chunks in flight per chunk size.
/// </summary>
public sealed class Benchmark(BenchSettings settings)
{
    private const int MiB = 1024 * 1024;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("blobimagestore-bench-");
        try
        {
            var file = Path.Combine(work.FullName, "file.bin");
            var sha = await GenerateAsync(file, (long)settings.SizeMiB * MiB, cancellationToken);
            await using var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions
            {
                ToolsRoot = RepoPaths.Root,
                Port = AzuriteProcess.FreePort(),
                Location = Path.Combine(work.FullName, "azurite"),
                InMemory = settings.InMemory,
            }, reuseRunning: false, cancellationToken);
            var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("imagestore");

            Console.WriteLine($"file {settings.SizeMiB} MiB, {settings.Parallel} in flight, Azurite {(settings.InMemory ? "in memory" : "on disk")}, {settings.Repetitions} repetition(s)");
            var rows = new List<Row>();
            Row limit;
            Latency? latency = null;
            await using (var server = await ServerProcess.StartAsync(azurite.ConnectionString, TraceSettings()))
            {
                using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(10) };
                if (settings.TraceFolder is not null)
                {
                    Console.WriteLine($"  server pid {server.Pid} (tracing)");
                }

                limit = await MeasureAsync("direct SDK UploadAsync (limit)", null, async name =>
                {
                    await Uploads.DirectAsync(container, name, file, settings.Parallel, 16 * MiB, md5: false, cancellationToken);
                    return name;
                }, container, sha, cancellationToken);
                rows.Add(limit with { Ratio = 1 });
                var withMd5 = await MeasureAsync("direct SDK UploadAsync, MD5 per block", null, async name =>
                {
                    await Uploads.DirectAsync(container, name, file, settings.Parallel, 4 * MiB, md5: true, cancellationToken);
                    return name;
                }, container, sha, cancellationToken);
                rows.Add(withMd5 with { Ratio = withMd5.MBps / limit.MBps });
                await WarmUpAsync(http, container, work.FullName, server.Pid, cancellationToken);
                foreach (var chunk in settings.ChunkMiB)
                {
                    var row = await MeasureAsync($"HTTP API, {chunk} MiB chunks", server.Pid, async name =>
                    {
                        await Uploads.ViaApiAsync(http, name, file, (long)chunk * MiB, settings.Parallel, cancellationToken);
                        return name;
                    }, container, sha, cancellationToken);
                    rows.Add(row with { Ratio = row.MBps / limit.MBps, Chunked = ("api", chunk) });
                }

                if (settings.TraceFolder is not null)
                {
                    // A graceful stop, so that perf (or dotnet-trace) sees the process end and writes its file.
                    using var stop = Process.Start("kill", ["-TERM", server.Pid.ToString(CultureInfo.InvariantCulture)]);
                    await stop.WaitForExitAsync(cancellationToken);
                    await Process.GetProcessById(server.Pid).WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
                    Console.WriteLine($"  trace of the server written to {settings.TraceFolder}");
                    Print(rows, [], null, null, null, null);
                    return 0;
                }
            }

            await using (var tus = await TusPeer.StartAsync(azurite.ConnectionString, cancellationToken))
            {
                var tusContainer = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(TusPeer.Container);
                foreach (var chunk in settings.TusChunkMiB)
                {
                    var row = await MeasureAsync($"tus peer (@tus/azure-store), {chunk} MiB chunks", tus.Pid,
                        _ => tus.UploadAsync(file, (long)chunk * MiB, cancellationToken), tusContainer, sha, cancellationToken);
                    rows.Add(row with { Ratio = row.MBps / limit.MBps, Chunked = ("tus", chunk) });
                }
            }

            if (settings.LatencyChunks > 0)
            {
                latency = await new LatencyRun(azurite.ConnectionString, settings.LatencyChunks, settings.LatencyStaging, settings.Parallel, azurite.ProcessId).RunAsync(cancellationToken);
            }

            var memory = new List<(int ChunkMiB, long PeakRss)>();
            foreach (var chunk in settings.MemoryChunkMiB)
            {
                memory.Add((chunk, await PeakRssAsync(azurite, container, work.FullName, chunk, cancellationToken)));
            }

            var big = settings.BigFileGiB > 0 ? await BigFileAsync(azurite, container, work.FullName, cancellationToken) : null;
            var slow = settings.SlowConnections > 0
                ? await BlobImageStore.Bench.SlowConnections.MeasureAsync(azurite.ConnectionString, settings.SlowConnections, 4, 1024, cancellationToken)
                : null;
            // Last, on an Azurite of its own: the sessions it opens would slow every later call on the shared one.
            var sessions = settings.SessionsElsewhere > 0
                ? await new SessionsBenchmark(settings.SessionsElsewhere, Math.Max(5, settings.Repetitions), settings.InMemory).RunAsync(cancellationToken)
                : null;
            Print(rows, memory, latency, big, slow, sessions);
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Unmeasured 64 MiB uploads through the API at every chunk size first, so that the rows measure a warm server: a
    /// fresh process keeps compiling for a while (tier-0, instrumented tier, then tier-1 code; the profile in
    /// docs/benchmarks.md showed the JIT at over half of the server's CPU in an unwarmed run), which is a cost per process
    /// start, not per GiB. One round was not enough (the first measured row still paid 1.5x the CPU per GiB of the same row
    /// measured again later), so rounds repeat until one costs the server no more than 10 % above the previous one's CPU
    /// (at most 8 rounds).
    /// </summary>
    private async Task WarmUpAsync(HttpClient http, BlobContainerClient container, string work, int serverPid, CancellationToken cancellationToken)
    {
        var file = Path.Combine(work, "warm-up.bin");
        await GenerateAsync(file, 64L * MiB, cancellationToken);
        var costs = new List<double>();
        for (var round = 0; round < 8; round++)
        {
            var before = ProcessStats.CpuSeconds(serverPid);
            foreach (var chunk in settings.ChunkMiB)
            {
                var name = $"bench/warm-up-{Guid.NewGuid():N}.bin";
                await Uploads.ViaApiAsync(http, name, file, (long)Math.Min(chunk, 16) * MiB, settings.Parallel, cancellationToken);
                await container.GetBlobClient(name).DeleteAsync(cancellationToken: cancellationToken);
            }

            costs.Add(ProcessStats.CpuSeconds(serverPid) - before);
            if (costs.Count >= 2 && costs[^1] <= costs[^2] * 1.1)
            {
                break;
            }
        }

        File.Delete(file);
        Console.WriteLine($"  server warmed up: {costs.Count} unmeasured rounds of a 64 MiB upload per chunk size, server CPU per round {string.Join(" / ", costs.Select(c => c.ToString("0.0", CultureInfo.InvariantCulture)))} s");
    }

    private Dictionary<string, string>? TraceSettings()
    {
        if (settings.TraceFolder is not { } folder)
        {
            return null;
        }

        Directory.CreateDirectory(folder);
        return new Dictionary<string, string>
        {
            // JIT symbols for Linux perf: `perf record -g -p PID` while it runs, `perf report` after (CPU samples only).
            // W^X off, or JIT code sits in an anonymous double mapping that perf cannot name.
            ["DOTNET_PerfMapEnabled"] = "1",
            ["DOTNET_EnableWriteXorExecute"] = "0",
        };
    }

    /// <summary>Times N uploads of the file; <paramref name="upload"/> gets a fresh blob name and returns the blob it wrote.</summary>
    private async Task<Row> MeasureAsync(string name, int? serverPid, Func<string, Task<string>> upload, BlobContainerClient container, byte[] sha, CancellationToken cancellationToken)
    {
        var rates = new List<double>();
        var cpu = 0.0;
        for (var i = 0; i < settings.Repetitions; i++)
        {
            var measured = serverPid ?? Environment.ProcessId;
            var cpuBefore = ProcessStats.CpuSeconds(measured);
            var watch = Stopwatch.StartNew();
            var blob = await upload($"bench/{Guid.NewGuid():N}.bin");
            var seconds = watch.Elapsed.TotalSeconds;
            cpu += ProcessStats.CpuSeconds(measured) - cpuBefore;
            rates.Add(settings.SizeMiB * (double)MiB / 1e6 / seconds);
            await VerifyAsync(container.GetBlobClient(blob), sha, cancellationToken);
            await container.GetBlobClient(blob).DeleteAsync(cancellationToken: cancellationToken);
        }

        rates.Sort();
        var gib = settings.SizeMiB / 1024.0 * settings.Repetitions;
        var row = new Row(name, rates[rates.Count / 2], 0, serverPid is { } pid ? ProcessStats.PeakRss(pid) : 0, cpu / gib);
        Console.WriteLine($"  {name}: {row.MBps:0.0} MB/s (runs: {string.Join(", ", rates.Select(r => r.ToString("0.0", CultureInfo.InvariantCulture)))})");
        return row;
    }

    /// <summary>
    /// One file of <see cref="BenchSettings.BigFileGiB"/> GiB end to end on a fresh server: generated on disk, uploaded
    /// through the client at its default settings (automatic chunk size, its default parallelism), committed, and read
    /// back from the blob to check its SHA-256.
    /// </summary>
    private async Task<BigFile> BigFileAsync(AzuriteProcess azurite, BlobContainerClient container, string work, CancellationToken cancellationToken)
    {
        var bytes = (long)settings.BigFileGiB * 1024 * MiB;
        var file = Path.Combine(work, "big.bin");
        var free = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(work))!).AvailableFreeSpace;
        if (free < 3 * bytes)
        {
            throw new InvalidOperationException($"The {settings.BigFileGiB} GiB run needs {3 * bytes / (1024.0 * MiB):0} GiB free beside {work} (the file and Azurite's copy, with room); {free / (1024.0 * MiB):0} GiB are free. Pass a smaller --big-file-gib.");
        }

        var sha = await GenerateAsync(file, bytes, cancellationToken);
        try
        {
            await using var server = await ServerProcess.StartAsync(azurite.ConnectionString);
            using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(10) };
            var name = $"bench/big-{Guid.NewGuid():N}.bin";
            var client = new BlobImageStore.Client.ImageStoreClient(http, Microsoft.Extensions.Options.Options.Create(new BlobImageStore.Client.ImageStoreClientOptions { Endpoint = http.BaseAddress! }));
            var uploader = new BlobImageStore.Client.Uploads.ResumableUploader(client, new BlobImageStore.Client.Uploads.FileResumeJournal(Path.Combine(work, "journal")));
            var cpuBefore = ProcessStats.CpuSeconds(server.Pid);
            var watch = Stopwatch.StartNew();
            await uploader.UploadAsync(file, name, new BlobImageStore.Client.Uploads.FileUploadOptions(), progress: null, cancellationToken);
            var seconds = watch.Elapsed.TotalSeconds;
            var cpu = ProcessStats.CpuSeconds(server.Pid) - cpuBefore;
            var peak = ProcessStats.PeakRss(server.Pid);
            await VerifyAsync(container.GetBlobClient(name), sha, cancellationToken);
            var result = new BigFile(settings.BigFileGiB, bytes / 1e6 / seconds, cpu / settings.BigFileGiB, peak);
            Console.WriteLine($"  {settings.BigFileGiB} GiB file through the client (default settings): {result.MBps:0.0} MB/s, server CPU {result.CpuPerGiB:0.0} s/GiB, server peak RSS {peak / (double)MiB:0} MiB, SHA-256 of the blob checked");
            await container.GetBlobClient(name).DeleteAsync(cancellationToken: cancellationToken);
            return result;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A fresh server, then 8 chunks of the given size in flight at once: its peak RSS.</summary>
    private async Task<long> PeakRssAsync(AzuriteProcess azurite, BlobContainerClient container, string work, int chunkMiB, CancellationToken cancellationToken)
    {
        var file = Path.Combine(work, $"memory-{chunkMiB}.bin");
        var sha = await GenerateAsync(file, 8L * chunkMiB * MiB, cancellationToken);
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>
        {
            ["ImageStore__MaxChunkSize"] = ((long)chunkMiB * MiB).ToString(CultureInfo.InvariantCulture),
        });
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(10) };
        var name = $"bench/memory-{chunkMiB}.bin";
        await Uploads.ViaApiAsync(http, name, file, (long)chunkMiB * MiB, 8, cancellationToken);
        await VerifyAsync(container.GetBlobClient(name), sha, cancellationToken);
        var peak = ProcessStats.PeakRss(server.Pid);
        Console.WriteLine($"  8 x {chunkMiB} MiB chunks in flight: server peak RSS {peak / (double)MiB:0} MiB");
        File.Delete(file);
        await container.GetBlobClient(name).DeleteAsync(cancellationToken: cancellationToken);
        return peak;
    }

    private void Print(List<Row> rows, List<(int ChunkMiB, long PeakRss)> memory, Latency? latency, BigFile? big, SlowConnections.Result? slow, string? sessions)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| upload ({settings.SizeMiB} MiB, {settings.Parallel} in flight) | MB/s (median of {settings.Repetitions}) | ratio to limit | server peak RSS | CPU s/GiB (server; SDK rows: the uploading process) |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Name} | {row.MBps:0.0} | {row.Ratio:0.00} | {(row.ServerPeakRss == 0 ? "–" : $"{row.ServerPeakRss / (double)MiB:0} MiB")} | {row.ServerCpuPerGiB.ToString("0.0", CultureInfo.InvariantCulture)}{(row.ServerPeakRss == 0 ? " (SDK)" : "")} |");
        }

        // Issue #14: server CPU below the tus peer's at every chunk size; the sizes both were run at.
        var pairs = rows.Where(r => r.Chunked is ("api", _)).Select(api => (Api: api, Tus: rows.FirstOrDefault(t => t.Chunked == ("tus", api.Chunked!.Value.ChunkMiB))))
            .Where(p => p.Tus is not null).ToList();
        if (pairs.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| chunk size | HTTP API server CPU s/GiB | tus peer server CPU s/GiB | API / tus |");
            text.AppendLine("|---|---:|---:|---:|");
            foreach (var (api, tus) in pairs)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {api.Chunked!.Value.ChunkMiB} MiB | {api.ServerCpuPerGiB:0.0} | {tus!.ServerCpuPerGiB:0.0} | {api.ServerCpuPerGiB / tus.ServerCpuPerGiB:0.00} |");
            }
        }

        text.AppendLine();
        text.AppendLine("| chunks in flight | server peak RSS |");
        text.AppendLine("|---|---:|");
        foreach (var (chunk, peak) in memory)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| 8 x {chunk} MiB | {peak / (double)MiB:0} MiB |");
        }

        if (latency is not null)
        {
            text.AppendLine();
            var how = latency.Staging == LatencyStaging.Direct ? "by Put Block" : "through UploadChunk";
            text.AppendLine(CultureInfo.InvariantCulture, $"| session with {latency.Chunks:N0} chunks, {latency.Blocks:N0} blocks (staged {how} in {latency.StageSeconds:0.0} s, not part of the latency) | seconds |");
            text.AppendLine("|---|---:|");
            text.AppendLine(CultureInfo.InvariantCulture, $"| GetUploadSession (median of 5) | {latency.Query:0.000} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| CommitUploadSession | {latency.Commit:0.000} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| UploadChunk of the last chunk, onto the others | {latency.LastChunk:0.000} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| Get Block List of the same blob by the SDK alone (median of 5) | {latency.StorageQuery:0.000} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| CPU per GetUploadSession: server / Azurite | {latency.QueryCpu.Server:0.000} / {Seconds(latency.QueryCpu.Storage)} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| CPU of CommitUploadSession: server / Azurite | {latency.CommitCpu.Server:0.000} / {Seconds(latency.CommitCpu.Storage)} |");
        }

        if (big is not null)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {big.GiB} GiB file through the client, default settings | MB/s | server CPU s/GiB | server peak RSS |");
            text.AppendLine("|---|---:|---:|---:|");
            text.AppendLine(CultureInfo.InvariantCulture, $"| upload and commit, SHA-256 of the blob checked | {big.MBps:0.0} | {big.CpuPerGiB:0.0} | {big.PeakRss / (double)MiB:0} MiB |");
        }

        if (slow is not null)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {slow.Connections} slow connections, each holding {slow.SentKiB} KiB of a {slow.ChunkMiB} MiB chunk | server RSS |");
            text.AppendLine("|---|---:|");
            text.AppendLine(CultureInfo.InvariantCulture, $"| before | {slow.Before / (double)MiB:0} MiB |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| peak | {slow.Peak / (double)MiB:0} MiB |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| after they closed ({slow.SettleSeconds:0} s) | {slow.After / (double)MiB:0} MiB |");
        }

        if (sessions is not null)
        {
            text.AppendLine();
            text.Append(sessions);
        }

        Console.WriteLine();
        Console.Write(text);
        if (settings.Markdown is { } path)
        {
            var header = $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * MiB):0} GiB, " +
                $".NET {Environment.Version}, Azure.Storage.Blobs {typeof(BlobClient).Assembly.GetName().Version}, " +
                $"Azurite {NpmVersion(RepoPaths.Root, "azurite")} {(settings.InMemory ? "in memory" : "on disk")}, " +
                $"@tus/server {NpmVersion(Path.Combine(RepoPaths.Root, "bench", "tus"), "@tus/server")}, @tus/azure-store {NpmVersion(Path.Combine(RepoPaths.Root, "bench", "tus"), "@tus/azure-store")}, " +
                $"tus-js-client {NpmVersion(Path.Combine(RepoPaths.Root, "bench", "tus"), "tus-js-client")}.\n\n";
            File.WriteAllText(path, header + text);
        }
    }

    private static string Seconds(double? value) => value?.ToString("0.000", CultureInfo.InvariantCulture) ?? "not measured";

    private static string NpmVersion(string root, string package)
    {
        var manifest = Path.Combine(root, "node_modules", package, "package.json");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifest));
        return json.RootElement.GetProperty("version").GetString() ?? "?";
    }

    private static async Task VerifyAsync(BlobClient blob, byte[] sha, CancellationToken cancellationToken)
    {
        await using var stream = await blob.OpenReadAsync(cancellationToken: cancellationToken);
        var actual = await SHA256.HashDataAsync(stream, cancellationToken);
        if (!actual.AsSpan().SequenceEqual(sha))
        {
            throw new InvalidOperationException($"{blob.Name}: the stored bytes differ from the file (SHA-256 mismatch).");
        }
    }

    private static async Task<byte[]> GenerateAsync(string path, long size, CancellationToken cancellationToken)
    {
        var random = new Random(42);
        var buffer = new byte[4 * MiB];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var stream = File.Create(path);
        for (var written = 0L; written < size; written += buffer.Length)
        {
            var n = (int)Math.Min(buffer.Length, size - written);
            random.NextBytes(buffer.AsSpan(0, n));
            sha.AppendData(buffer, 0, n);
            await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
        }

        return sha.GetHashAndReset();
    }
}
