using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BlobImageStore.Http;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;
using BlobImageStore.Sessions;

namespace BlobImageStore.Bench;

/// <summary>How the latency run stages the chunks between its first and its last (both always go through the API).</summary>
public enum LatencyStaging
{
    /// <summary>Put Block straight into Blob Storage, with the block IDs the server would write (fast: seconds per thousand chunks).</summary>
    Direct,

    /// <summary>UploadChunk through the API, 8 in flight (each chunk reads the block list twice, so it slows as the list grows).</summary>
    Api,
}

/// <summary>The latency run: chunks and committed blocks of its session, and the seconds it took.</summary>
/// <param name="Staging">How the middle chunks were staged.</param>
/// <param name="StageSeconds">Staging of every chunk but the last, the first chunk (through the API) included.</param>
/// <param name="LastChunk">The last chunk through UploadChunk, onto the full block list.</param>
/// <param name="Query">GetUploadSession with every chunk staged, median of 5.</param>
/// <param name="Commit">CommitUploadSession.</param>
/// <param name="StorageQuery">Get Block List of the same blob by the SDK alone (what GetUploadSession waits on), median of 5.</param>
/// <param name="QueryCpu">CPU seconds per GetUploadSession (mean of the 5): the server's, and Azurite's (<c>null</c> when it is not our process).</param>
/// <param name="CommitCpu">CPU seconds of CommitUploadSession: the server's, and Azurite's.</param>
public sealed record Latency(int Chunks, int Blocks, LatencyStaging Staging, double StageSeconds, double LastChunk, double Query, double Commit,
    double StorageQuery, (double Server, double? Storage) QueryCpu, (double Server, double? Storage) CommitCpu);

/// <summary>
/// The session with the longest block list the protocol allows, and how long GetUploadSession (which reads the block
/// list) and CommitUploadSession (one Put Block List) take on it. On a server with 64 KiB blocks (the smallest
/// <c>ImageStore:BlockSize</c> allows), every chunk but the last is two blocks (64 KiB + 2 bytes), the last one block,
/// and the file is as large as 64 KiB blocks allow (24,999 blocks' worth of bytes, so the session keeps its 64 KiB
/// blocks): 24,999 chunks stage 49,997 blocks, Azure's 50,000 committed blocks less three (<c>docs/benchmarks.md</c>
/// says why exactly 50,000 cannot be reached).
/// <para>The first chunk goes through the API, so the session's record, path claim, key and block size are the
/// server's own. With <see cref="LatencyStaging.Direct"/>, every other chunk but the last is then staged by Put Block
/// straight into the target blob, <see cref="DirectParallelism"/> chunks in flight, with the IDs the server writes
/// (<see cref="BlockId"/> v3: data blocks, then the final block carrying the chunk's digest, then the one-byte confirm
/// block; cut by the session's <see cref="ChunkLayout"/>). Before anything is timed, the block list is read back and the Core's own
/// <see cref="ChunkView"/> must count every one of those chunks and miss exactly the last one; otherwise the staging
/// is not what the server writes and the run fails. The server must agree (its GetUploadSession expects exactly the
/// last chunk). The last chunk then goes through the API onto the full list (timed), GetUploadSession is timed with
/// every chunk staged, then the commit, and the committed block list is counted.</para>
/// </summary>
public sealed class LatencyRun(string storage, int chunks, LatencyStaging staging, int apiParallel, int? storagePid = null)
{
    /// <summary>The block size of the latency run's server: <c>ImageStore:BlockSize</c>'s minimum.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>The latency run's session expiry: longer than any staging of the session can take.</summary>
    public static readonly TimeSpan SessionExpiry = TimeSpan.FromDays(2);

    /// <summary>Chunks staged at once by direct staging.</summary>
    public const int DirectParallelism = 32;

    private const string Container = "imagestore";
    private const string SessionContainer = "imagestore-sessions";

    private static readonly JsonSerializerOptions RecordJson = new() { Converters = { new JsonStringEnumConverter() } };

    public async Task<Latency> RunAsync(CancellationToken cancellationToken)
    {
        const long maxFile = (long)BlockSize * ChunkLayout.MaxBlocksForData;
        var count = Math.Clamp(chunks, 1, ChunkLayout.MaxBlocksForData);
        var size = Math.Min((count - 1L) * (BlockSize + 2) + BlockSize, maxFile);
        var ranges = Enumerable.Range(0, count)
            .Select(i => new ByteRange(i * (BlockSize + 2L), i < count - 1 ? (i + 1) * (BlockSize + 2L) - 1 : size - 1))
            .ToArray();
        var blocks = ranges.Sum(r => (r.Length + BlockSize - 1) / BlockSize);
        await using var server = await ServerProcess.StartAsync(storage, new Dictionary<string, string>
        {
            ["ImageStore__BlockSize"] = BlockSize.ToString(CultureInfo.InvariantCulture),
            // Direct staging is no activity the server sees: between the first chunk and the last, the session would
            // expire after ImageStore:SessionExpiry (30 minutes by default) and the cleanup would remove it, while the
            // full run stages for well over an hour. (The run of stop 19 lost its session this way: 204 after staging.)
            ["ImageStore__SessionExpiry"] = SessionExpiry.ToString("c", CultureInfo.InvariantCulture),
        });
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(10) };
        var blobs = new BlobServiceClient(storage);
        var session = Guid.NewGuid();
        var path = $"bench/latency-{session:N}.bin";
        var target = blobs.GetBlobContainerClient(Container).GetBlockBlobClient(path);
        var body = new byte[BlockSize + 2];
        new Random(11).NextBytes(body);

        Console.WriteLine($"  latency run: {count:N0} chunks ({blocks:N0} blocks of up to {BlockSize / 1024} KiB to commit, plus a 1-byte confirm block per chunk: {blocks + count:N0} staged; {size / 1e6:0} MB), staging {staging.ToString().ToLowerInvariant()}");
        var watch = Stopwatch.StartNew();
        await UploadChunkAsync(http, path, session, ranges[0], size, body, cancellationToken);
        var record = await ReadRecordAsync(blobs, session, cancellationToken);
        if (record.FileSize != size || record.BlockSize != BlockSize || record.State != SessionState.Open)
        {
            throw new InvalidOperationException($"The session record is not what the latency run expects: file size {record.FileSize} (expected {size}), block size {record.BlockSize} (expected {BlockSize}), state {record.State} (expected Open).");
        }

        var middle = count > 2 ? ranges[1..^1] : [];
        var staged = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = staging == LatencyStaging.Direct ? DirectParallelism : apiParallel, CancellationToken = cancellationToken };
        var layout = new ChunkLayout(record.BlockSize, long.MaxValue);
        var digests = new Dictionary<long, ChunkDigest>();
        foreach (var length in middle.Select(r => r.Length).Distinct())
        {
            digests[length] = ChunkDigest.Of(body.AsSpan(0, (int)length), layout.BlockSize);
        }

        await Parallel.ForEachAsync(middle, options, async (range, ct) =>
        {
            if (staging == LatencyStaging.Direct)
            {
                // As the server's attempts do, each chunk gets its own time after which the copy never confirms (whole
                // seconds). It is confirmed in the same call that stages it, so any time past that call would do; an
                // hour covers a slow machine.
                var confirmBy = BlockId.Stored(DateTimeOffset.UtcNow.AddHours(1));
                await StageDirectAsync(target, layout, record.Key, range, body, digests[range.Length], confirmBy, ct);
            }
            else
            {
                await UploadChunkAsync(http, path, session, range, size, body, ct);
            }

            if (Interlocked.Increment(ref staged) % 2500 == 0)
            {
                Console.WriteLine($"    {staged:N0} chunks staged ({watch.Elapsed.TotalSeconds:0} s)");
            }
        });
        var stageSeconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"  {count - 1:N0} chunks staged in {stageSeconds:0.0} s (the first through the API, {middle.Length:N0} {(staging == LatencyStaging.Direct ? $"by Put Block, {DirectParallelism}" : $"through the API, {apiParallel}")} in flight)");

        // The oracle: the Core's own view of the block list must count every chunk staged so far and miss only the last.
        var last = ranges[^1];
        var expectedMissing = count > 1 ? new[] { last } : [];
        // Read as the server reads it: the time taken before the list, the record's abandoned attempts (none expected).
        var readAt = DateTimeOffset.UtcNow;
        var view = ChunkView.From(await BlocksAsync(target, cancellationToken), record.Key, size, readAt, TimeSpan.Zero, record.Abandoned);
        if (view.Counted.Count != count - 1 || view.Conflicted.Count != 0 || view.Pending.Count != 0 || !view.Missing.SequenceEqual(expectedMissing))
        {
            throw new InvalidOperationException(
                $"The staged session is not what the server would have written: ChunkView counts {view.Counted.Count:N0} chunks (expected {count - 1:N0}), " +
                $"{view.Complete.Count - view.Confirmed.Count:N0} complete but unconfirmed ({view.Pending.Count:N0} pending), {view.Conflicted.Count} conflicted, " +
                $"missing [{string.Join(", ", view.Missing)}] (expected [{string.Join(", ", expectedMissing)}]).");
        }

        var expected = await ExpectedRangesAsync(http, session, cancellationToken);
        if (!expected.SequenceEqual(expectedMissing))
        {
            throw new InvalidOperationException($"GetUploadSession expects [{string.Join(", ", expected)}] after the staging; the block list's view misses [{string.Join(", ", expectedMissing)}].");
        }

        Console.WriteLine($"  checked: ChunkView counts the {count - 1:N0} chunks and misses only the last, and GetUploadSession agrees");
        var lastChunk = 0.0;
        if (count > 1)
        {
            watch.Restart();
            await UploadChunkAsync(http, path, session, last, size, body, cancellationToken);
            lastChunk = watch.Elapsed.TotalSeconds;
        }

        // Where the time goes: the server's CPU, Azurite's CPU (its one node thread), and the same Get Block List by the
        // SDK alone, all on the full list.
        var cpu = Cpu(server.Pid);
        var queries = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            watch.Restart();
            var missing = await ExpectedRangesAsync(http, session, cancellationToken);
            queries.Add(watch.Elapsed.TotalSeconds);
            if (missing.Count != 0)
            {
                throw new InvalidOperationException($"GetUploadSession still expects [{string.Join(", ", missing)}] after the last chunk.");
            }
        }

        var queryCpu = Per(Cpu(server.Pid), cpu, 5);
        var storageQueries = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            watch.Restart();
            await target.GetBlockListAsync(BlockListTypes.All, cancellationToken: cancellationToken);
            storageQueries.Add(watch.Elapsed.TotalSeconds);
        }

        storageQueries.Sort();
        cpu = Cpu(server.Pid);
        watch.Restart();
        using (var commit = await http.PostAsync($"/ImageStore/$/CommitUploadSession?api-version=6.0&session-id={session}", null, cancellationToken))
        {
            await EnsureSuccessAsync(commit, "CommitUploadSession", cancellationToken);
        }

        var commitSeconds = watch.Elapsed.TotalSeconds;
        var commitCpu = Per(Cpu(server.Pid), cpu, 1);
        var committed = await target.GetBlockListAsync(BlockListTypes.Committed, cancellationToken: cancellationToken);
        var committedBlocks = committed.Value.CommittedBlocks.Count();
        var committedBytes = committed.Value.BlobContentLength;
        if (committedBlocks != blocks || committedBytes != size)
        {
            throw new InvalidOperationException($"The committed blob has {committedBlocks:N0} blocks and {committedBytes:N0} bytes; expected {blocks:N0} blocks and {size:N0} bytes.");
        }

        queries.Sort();
        Console.WriteLine($"  last chunk (UploadChunk onto {blocks - 1 + count - 1:N0} staged blocks) {lastChunk:0.000} s, GetUploadSession {queries[2]:0.000} s (median of 5: {string.Join(", ", queries.Select(q => q.ToString("0.000", CultureInfo.InvariantCulture)))}), CommitUploadSession {commitSeconds:0.000} s ({committedBlocks:N0} blocks committed)");
        Console.WriteLine($"  where the time goes: Get Block List by the SDK alone {storageQueries[2]:0.000} s (median of 5); CPU per GetUploadSession: server {queryCpu.Server:0.000} s, Azurite {queryCpu.Storage?.ToString("0.000", CultureInfo.InvariantCulture) ?? "not measured"} s; CPU of the commit: server {commitCpu.Server:0.000} s, Azurite {commitCpu.Storage?.ToString("0.000", CultureInfo.InvariantCulture) ?? "not measured"} s");
        await target.DeleteAsync(cancellationToken: cancellationToken);
        return new Latency(count, committedBlocks, staging, stageSeconds, lastChunk, queries[2], commitSeconds, storageQueries[2], queryCpu, commitCpu);
    }

    /// <summary>
    /// One chunk as the server stages it (<c>ChunkStreamer</c>, <c>UploadSessions</c>): its data blocks, then, once they
    /// are stored, its final block with the chunk's digest, then its one-byte confirm block (a copy counts only once
    /// confirmed); all under one random attempt nonce and one confirm-by time.
    /// </summary>
    private static async Task StageDirectAsync(BlockBlobClient target, ChunkLayout layout, ulong key, ByteRange range, byte[] body, ChunkDigest digest, DateTimeOffset confirmBy, CancellationToken cancellationToken)
    {
        var nonce = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) & BlockId.MaxNonce;
        var pieces = layout.Blocks(range).ToList();
        for (var i = 0; i < pieces.Count; i++)
        {
            var (offset, length) = pieces[i];
            var final = i == pieces.Count - 1;
            var id = new BlockId(final ? BlockKind.Final : BlockKind.Data, key, range.First, range.Last, offset, nonce, final ? digest : default, confirmBy).Encode();
            using var content = new MemoryStream(body, (int)(offset - range.First), length, writable: false);
            await target.StageBlockAsync(id, content, cancellationToken: cancellationToken);
        }

        var confirm = new BlockId(BlockKind.Confirm, key, range.First, range.Last, range.First, nonce, digest, confirmBy).Encode();
        using var marker = new MemoryStream([0], writable: false);
        await target.StageBlockAsync(confirm, marker, cancellationToken: cancellationToken);
    }

    /// <summary>CPU seconds so far of the server and of Azurite (when its process is known).</summary>
    private (double Server, double? Storage) Cpu(int serverPid) =>
        (ProcessStats.CpuSeconds(serverPid), storagePid is { } pid ? ProcessStats.CpuSeconds(pid) : null);

    private static (double Server, double? Storage) Per((double Server, double? Storage) after, (double Server, double? Storage) before, int count) =>
        ((after.Server - before.Server) / count, after.Storage - before.Storage is { } storage ? storage / count : null);

    private static async Task<IReadOnlyList<StagedBlock>> BlocksAsync(BlockBlobClient target, CancellationToken cancellationToken)
    {
        BlockList list = await target.GetBlockListAsync(BlockListTypes.All, cancellationToken: cancellationToken);
        return list.CommittedBlocks.Select(b => new StagedBlock(b.Name, b.SizeLong, Committed: true))
            .Concat(list.UncommittedBlocks.Select(b => new StagedBlock(b.Name, b.SizeLong, Committed: false)))
            .ToList();
    }

    /// <summary>The session's record as the server wrote it (<c>BlobSessionRecords</c>: <c>sessions/{id}.json</c> in the session container).</summary>
    private static async Task<UploadSessionRecord> ReadRecordAsync(BlobServiceClient blobs, Guid session, CancellationToken cancellationToken)
    {
        var blob = blobs.GetBlobContainerClient(SessionContainer).GetBlobClient($"sessions/{session:D}.json");
        var content = (await blob.DownloadContentAsync(cancellationToken)).Value.Content;
        return content.ToObjectFromJson<UploadSessionRecord>(RecordJson)
            ?? throw new InvalidOperationException($"{blob.Name}: empty session record.");
    }

    private static async Task<IReadOnlyList<ByteRange>> ExpectedRangesAsync(HttpClient http, Guid session, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"/ImageStore/$/GetUploadSession?api-version=6.0&session-id={session}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException($"GetUploadSession answered 204: session {session} is gone (expired and removed, or deleted).");
        }

        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GetUploadSession: {(int)response.StatusCode} {json}");
        }

        var info = JsonSerializer.Deserialize<UploadSessionBody>(json)?.UploadSessions?.SingleOrDefault()
            ?? throw new InvalidOperationException($"GetUploadSession returned no session: {json}");
        return (info.ExpectedRanges ?? []).Select(r => new ByteRange(r.StartPosition ?? -1, r.EndPosition ?? -1)).ToList();
    }

    /// <summary>One chunk through UploadChunk; a loaded machine may answer 503 (busy) now and then: sent again, as the client would.</summary>
    private static async Task UploadChunkAsync(HttpClient http, string path, Guid session, ByteRange range, long size, byte[] body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/ImageStore/{path}/$/UploadChunk?api-version=6.0&session-id={session}")
            {
                Content = new ByteArrayContent(body, 0, (int)range.Length),
            };
            request.Content.Headers.ContentRange = new ContentRangeHeaderValue(range.First, range.Last, size);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 10)
            {
                await EnsureSuccessAsync(response, $"UploadChunk {range}", cancellationToken);
                return;
            }

            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
