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
