using BlobImageStore.Content;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.ModelTests;

/// <summary>
/// Invariant 8, cost does not grow with the store: the storage calls of a single-file delete, a copy onto one path and
/// Info, and the entries their listings return, are counted on the in-memory store, with no open session and with 1,000
/// open sessions elsewhere. (Time is measured by the benchmark program, <c>bench/ --sessions</c>, not here.)
/// </summary>
public class CostTests
{
    [Fact]
    public async Task Delete_copy_and_info_make_as_many_storage_calls_and_list_as_many_entries_with_1000_open_sessions_elsewhere_as_with_none()
    {
        var empty = await CountAsync(openElsewhere: 0);
        var crowded = await CountAsync(openElsewhere: 1_000);

        Assert.Equal(empty, crowded);
    }

    [Fact]
    public async Task Info_reads_the_session_usage_from_one_summary_not_from_the_session_records()
    {
        var (_, _, info) = await CountAsync(openElsewhere: 1_000);

        // One point read of the summary plus one listing of the files (the copy's source and destination): none of the
        // 1,000 records or claims is listed or read.
        Assert.Equal((Calls: 2, Listed: 2), info);
    }

    /// <summary>
    /// Issue #14: the chunks of one session do not contend on its record. 64 chunks of an open session are started at once
    /// and interleaved one storage call each in turn (every chunk reads the record before any writes it, the worst case
    /// for conditional writes). Each chunk reads the record twice (open, acknowledgement) and writes it only when the
    /// session's horizon needs moving, or once, never retried, when the bytes received have doubled since the record's
    /// <c>ReceivedBytes</c> (here every chunk may see that, having read the record before any wrote it): at most three
    /// record calls each, every chunk accepted. (Writing the record per chunk, as before, makes every round of such writes
    /// lose all but one: O(chunks²) calls, and chunks answered 503.)
    /// </summary>
    [Fact]
    public async Task Parallel_chunks_of_one_session_make_a_constant_number_of_record_calls_each()
    {
        const int Chunks = 64;
        var world = new World(Timing.Default with { Expiry = TimeSpan.FromMinutes(30) });
        var size = Chunks * World.BlockSize;
        var session = Guid.NewGuid();
        var path = StorePath.Parse("big/file.bin");
        var first = world.Scheduler.Start(1, () => world.Instances[0].Sessions.UploadChunkAsync(Request(0), new MemoryStream(new byte[World.BlockSize]), CancellationToken.None));
        while (!first.IsCompleted)
        {
            world.Scheduler.Resume(1);
        }

        Assert.IsType<ChunkAccepted>(await first);
        var before = world.Store.RecordCalls;
        var chunks = Enumerable.Range(1, Chunks - 1)
            .Select(i => world.Scheduler.Start(i + 1, () => world.Instances[i % 3].Sessions.UploadChunkAsync(Request(i), new MemoryStream(new byte[World.BlockSize]), CancellationToken.None)))
            .ToList();
        for (var round = 0; world.Scheduler.Waiting.Count > 0; round++)
        {
            Assert.True(round < 10_000, "no end");
            foreach (var id in world.Scheduler.Waiting.OrderBy(w => w).ToList())
            {
                world.Scheduler.Resume(id);
            }
        }

        var calls = world.Store.RecordCalls - before;
        var outcomes = await Task.WhenAll(chunks);
        Assert.All(outcomes, o => Assert.IsType<ChunkAccepted>(o));
        Assert.True(calls <= 3 * (Chunks - 1), $"{Chunks - 1} parallel chunks made {calls} record calls");

        ChunkRequest Request(int i) =>
            new(path, session, new ContentRange(i * World.BlockSize, ((i + 1) * World.BlockSize) - 1, size), World.BlockSize, null, null, TimeSpan.FromMinutes(1));
    }

    private static async Task<((int Calls, int Listed) Delete, (int Calls, int Listed) Copy, (int Calls, int Listed) Info)> CountAsync(int openElsewhere)
    {
        var world = new World();
        var instance = world.Instances[0];
        for (var i = 0; i < openElsewhere; i++)
        {
            var request = new ChunkRequest(StorePath.Parse($"elsewhere/{i}/f.bin"), Guid.NewGuid(), new ContentRange(0, 3, 8), 4, null);
            Assert.IsType<ChunkAccepted>(await instance.Sessions.UploadChunkAsync(request, new MemoryStream([1, 2, 3, 4]), CancellationToken.None));
        }

        // The cleanup runs every ImageStore:CleanupInterval and leaves the usage summary that Info reads.
        Assert.NotNull((await instance.Cleanup.RunAsync(CancellationToken.None)).Usage);

        world.Store.PutDirect("pkg/a.bin", [1, 2, 3]);
        var delete = await CostOfAsync(world, () => instance.Removal.DeleteAsync(StorePath.Parse("pkg/a.bin"), CancellationToken.None));
        var copy = await CostOfAsync(world, async () =>
            Assert.Null((await instance.Copies.CopyAsync(new CopyRequest(World.Source, StorePath.Parse("pkg/b.bin"), [], false), CancellationToken.None)).Refusal));

        var usage = new StoreUsage(world.Store, world.Store, world.Store, world.Clock, Microsoft.Extensions.Options.Options.Create(new ImageStoreOptions()));
        StoreInfo? info = null;
        var infoCost = await CostOfAsync(world, async () => info = await usage.InfoAsync(CancellationToken.None));
        Assert.Equal(openElsewhere, info!.Staging.Files);
        return (delete, copy, infoCost);
    }

    private static async Task<(int Calls, int Listed)> CostOfAsync(World world, Func<Task> operation)
    {
        var (calls, listed) = (world.Store.Calls, world.Store.Listed);
        await operation();
        return (world.Store.Calls - calls, world.Store.Listed - listed);
    }
}
