using System.CommandLine;
using BlobImageStore.Bench;

var size = new Option<int>("--size-mib") { Description = "Size of the generated test file in MiB", DefaultValueFactory = _ => 512 };
var parallel = new Option<int>("--parallel") { Description = "Requests (or SDK blocks) in flight", DefaultValueFactory = _ => 8 };
var chunks = new Option<int[]>("--chunk-mib") { Description = "Chunk sizes for the HTTP API runs, in MiB", DefaultValueFactory = _ => [4, 16, 64], AllowMultipleArgumentsPerToken = true };
var tusChunks = new Option<int[]>("--tus-chunk-mib") { Description = "Chunk sizes for the tus peer, in MiB (default: the HTTP API's sizes and 32, the tus peer's best so far; a size both run at gets a row in the CPU comparison)", DefaultValueFactory = _ => [4, 16, 32, 64], AllowMultipleArgumentsPerToken = true };
var memoryChunks = new Option<int[]>("--memory-chunk-mib") { Description = "Chunk sizes for the memory-flatness runs (8 in flight each)", DefaultValueFactory = _ => [8, 64, 100], AllowMultipleArgumentsPerToken = true };
var latencyChunks = new Option<int>("--latency-chunks") { Description = "Chunks in the GetUploadSession/Commit latency run, two 64 KiB blocks each but the last (default and most 24,999: 49,997 blocks, the longest block list the chunk rule allows; 0 skips it)", DefaultValueFactory = _ => 24_999 };
var latencyStaging = new Option<LatencyStaging>("--latency-staging") { Description = "How the latency run stages the chunks between its first and its last: direct (Put Block into Blob Storage with the server's block IDs, checked by the Core's ChunkView before anything is timed) or api (UploadChunk; each chunk reads the whole block list twice, so 24,999 take hours on Azurite)", DefaultValueFactory = _ => LatencyStaging.Direct };
var bigFile = new Option<int>("--big-file-gib") { Description = "Size in GiB of one file uploaded end to end through the client at its default settings, on disk (0 skips it)", DefaultValueFactory = _ => 4 };
var slowConnections = new Option<int>("--slow-connections") { Description = "Connections in the memory-per-connection run, each holding 1 MiB of a 4 MiB chunk (0 skips it)", DefaultValueFactory = _ => 200 };
var repetitions = new Option<int>("--repetitions") { Description = "Repetitions per measurement (the median is reported)", DefaultValueFactory = _ => 3 };
var inMemory = new Option<bool>("--in-memory") { Description = "Run Azurite with in-memory persistence instead of disk" };
var quick = new Option<bool>("--quick") { Description = "Small file, one repetition, small memory runs: proves the benchmark still works (CI)" };
var markdown = new Option<string?>("--markdown") { Description = "Also write the results table as Markdown to this file" };
var trace = new Option<string?>("--trace") { Description = "Profile the server's throughput runs: it runs with perf JIT maps and prints its pid (bench/profile.sh records it with Linux perf into this folder)" };
var sessions = new Option<int?>("--sessions") { Description = "Instead of the full run: only its last part, Delete, Copy and Info timed on an empty store and with this many open upload sessions elsewhere (e.g. 10000)" };
var sessionsElsewhere = new Option<int>("--sessions-elsewhere") { Description = "Open upload sessions in the full run's last part, Delete/Copy/Info with that many sessions elsewhere, on an Azurite of its own (0 skips it; Azurite makes opening them O(N²): about half an hour for 10,000)", DefaultValueFactory = _ => 10_000 };

var root = new RootCommand("BlobImageStore benchmark: the HTTP API against a direct Azure SDK upload into the same Azurite, plus server memory.")
{
    size, parallel, chunks, tusChunks, memoryChunks, latencyChunks, latencyStaging, repetitions, inMemory, quick, markdown, sessions, sessionsElsewhere, trace, slowConnections, bigFile,
};
root.SetAction(async (result, cancellationToken) =>
{
    if (result.GetValue(sessions) is { } openSessions)
    {
        await new SessionsBenchmark(openSessions, Math.Max(5, result.GetValue(repetitions)), result.GetValue(inMemory)).RunAsync(cancellationToken);
        return 0;
    }

    var isQuick = result.GetValue(quick);
    var settings = new BenchSettings(
        SizeMiB: isQuick ? 32 : result.GetValue(size),
        Parallel: result.GetValue(parallel),
        ChunkMiB: isQuick ? [4] : result.GetValue(chunks)!,
        TusChunkMiB: isQuick ? [4] : result.GetValue(tusChunks)!,
        MemoryChunkMiB: isQuick ? [1, 4] : result.GetValue(memoryChunks)!,
        LatencyChunks: isQuick ? 300 : result.GetValue(latencyChunks),
        Repetitions: isQuick ? 1 : result.GetValue(repetitions),
        InMemory: result.GetValue(inMemory),
        Markdown: result.GetValue(markdown))
    {
        TraceFolder = result.GetValue(trace),
        SlowConnections = isQuick ? 20 : result.GetValue(slowConnections),
        BigFileGiB = isQuick ? 0 : result.GetValue(bigFile),
        SessionsElsewhere = isQuick ? 20 : result.GetValue(sessionsElsewhere),
        LatencyStaging = result.GetValue(latencyStaging),
    };
    return await new Benchmark(settings).RunAsync(cancellationToken);
});
return await root.Parse(args).InvokeAsync();
