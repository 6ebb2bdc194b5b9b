using BlobImageStore.Content;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.ModelTests;

/// <summary>
/// Invariant 8, cost does not grow with the store: the storage calls of a single-file delete, a copy onto one path and
/// Info are counted on the in-memory store, with no open session and with 1,000 open sessions elsewhere. (Time is
/// measured by the benchmark program, <c>bench/ --sessions</c>, not here.)
/// </summary>
public class CostTests
{
    [Fact]
    public async Task Delete_copy_and_info_make_as_many_storage_calls_with_1000_open_sessions_elsewhere_as_with_none()
    {
        var empty = await CountAsync(openElsewhere: 0);
        var crowded = await CountAsync(openElsewhere: 1_000);

        Assert.Equal(empty, crowded);
    }

    private static async Task<(int Delete, int Copy, int Info)> CountAsync(int openElsewhere)
    {
        var world = new World();
        var instance = world.Instances[0];
        for (var i = 0; i < openElsewhere; i++)
        {
            var request = new ChunkRequest(StorePath.Parse($"elsewhere/{i}/f.bin"), Guid.NewGuid(), new ContentRange(0, 3, 8), 4, null);
            Assert.IsType<ChunkAccepted>(await instance.Sessions.UploadChunkAsync(request, new MemoryStream([1, 2, 3, 4]), CancellationToken.None));
        }

        world.Store.PutDirect("pkg/a.bin", [1, 2, 3]);
        var before = world.Store.Calls;
        await instance.Removal.DeleteAsync(StorePath.Parse("pkg/a.bin"), CancellationToken.None);
        var delete = world.Store.Calls - before;

        before = world.Store.Calls;
        Assert.Null((await instance.Copies.CopyAsync(new CopyRequest(World.Source, StorePath.Parse("pkg/b.bin"), [], false), CancellationToken.None)).Refusal);
        var copy = world.Store.Calls - before;

        before = world.Store.Calls;
        var usage = new StoreUsage(world.Store, world.Store, Microsoft.Extensions.Options.Options.Create(new ImageStoreOptions()));
        var info = await usage.InfoAsync(CancellationToken.None);
        Assert.Equal(openElsewhere, info.Staging.Files);
        return (delete, copy, world.Store.Calls - before);
    }
}
