using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.Client.Uploads;

namespace BlobImageStore.Client.Tests;

/// <summary>
/// A 64 MiB upload through a client whose connections drop at seeded random points. The server's side is measured
/// by the <see cref="CountingProxy"/>: the request-body bytes that reached the server, whatever the client reports.
/// </summary>
[Collection(ClientStoreCollection.Name)]
public sealed class FaultyNetworkTests(ClientStoreFixture store, ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Dropped_connections_lose_nothing_and_the_server_receives_at_most_the_file_plus_the_chunks_hit_by_faults()
    {
        const long size = 64 * MiB;
        var local = store.NewFile(size, seed: 64);
        var path = ClientStoreFixture.NewStorePath("faults.bin");
        var faults = new FaultInjectingHandler(seed: 2026, midBodyRate: 0.15, lostAnswerRate: 0.10, maxFaults: 10);
        var client = store.Client(faults);
        var journal = TestSessions.TempDir();
        var reports = new List<UploadProgress>();
        var progress = new SyncProgress<UploadProgress>(p => { lock (reports) { reports.Add(p); } });

        var result = await TestSessions.Uploader(client, journal).UploadAsync(local, path,
            new FileUploadOptions { ChunkSize = 4 * MiB, Parallelism = 4, ProgressInterval = TimeSpan.Zero }, progress, CancellationToken.None);

        // Intact: the committed blob, read from storage, is the file.
        Assert.Equal(ClientStoreFixture.Sha256(local), await store.BlobSha256Async(path));

        // Server side: every byte once, plus at most the chunks that faults hit (a cut-off body reached the server in
        // part; a lost answer means the chunk arrived whole and was re-sent whole).
        var received = store.Proxy.BodyBytes(path);
        var hit = faults.Faults;
        var bound = size + hit.Sum(f => f.ChunkLength);
        output.WriteLine($"file {size} bytes; server received {received} bytes (re-sent {received - size}); {hit.Count} faults: " +
            string.Join(", ", hit.Select(f => $"{f.Kind} after {f.CutAfter} of {f.ChunkLength}")) + $"; bound {bound}; client retries {result.Retries}, sent {result.BytesSent}");
        Assert.True(hit.Count(f => f.Kind == "mid-body") >= 1 && hit.Count(f => f.Kind == "lost-answer") >= 1, "both kinds of fault must have happened");
        Assert.InRange(received, size, bound);
        Assert.True(result.Retries >= hit.Count, $"{result.Retries} retries for {hit.Count} faults"); // every fault was retried

        // Nothing left behind: no open session, no journal entry.
        Assert.Null(await store.ServerApi.GetSessionByPathAsync(path));
        Assert.Empty(Directory.EnumerateFiles(journal));

        // Progress: confirmed bytes never go back, and end at the file size.
        lock (reports)
        {
            var confirmed = reports.Select(r => r.BytesConfirmed).ToList();
            Assert.Equal(confirmed.OrderBy(c => c), confirmed);
            Assert.Equal(size, reports[^1].BytesConfirmed);
            Assert.Equal(UploadPhase.Completed, reports[^1].Phase);
            Assert.True(reports[^1].BytesSent >= size);
        }
    }
}
