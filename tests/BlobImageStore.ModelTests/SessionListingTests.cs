using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.ModelTests;

/// <summary>
/// ListUploadSessions (the explorer's "in progress" list): the open sessions at or below a folder, found by a prefix
/// listing of the path claims, so its cost depends on the sessions under the folder, never on the rest of the store.
/// </summary>
public class SessionListingTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Lists_the_open_sessions_at_or_below_the_folder_in_path_order_and_nothing_else()
    {
        var world = new World();
        var sessions = world.Instances[0].Sessions;
        var b = await StartAsync(sessions, "pkg/sub/b.bin");
        var a = await StartAsync(sessions, "pkg/a.bin");
        await StartAsync(sessions, "pkgx/c.bin"); // Shares the prefix "pkg", but is not below the folder pkg.
        await StartAsync(sessions, "other/d.bin");
        var committed = await StartAsync(sessions, "pkg/committed.bin", whole: true);
        Assert.IsType<SessionCommitted>(await sessions.CommitAsync(committed, null, None));
        var deleted = await StartAsync(sessions, "pkg/deleted.bin");
        Assert.IsType<SessionDeleted>(await sessions.DeleteAsync(deleted, null, None));

        var (listed, truncated) = await sessions.ListAtOrBelowAsync(StorePath.Parse("pkg"), 10, None);

        Assert.False(truncated);
        Assert.Equal([a, b], listed.Select(s => s.Record.SessionId));
        Assert.Equal(["pkg/a.bin", "pkg/sub/b.bin"], listed.Select(s => s.Record.Path));
        Assert.All(listed, s => Assert.Equal([new ByteRange(4, 7)], s.ExpectedRanges));
    }

    [Fact]
    public async Task A_file_path_lists_its_own_session_and_the_root_lists_every_open_one()
    {
        var world = new World();
        var sessions = world.Instances[0].Sessions;
        var a = await StartAsync(sessions, "pkg/a.bin");
        var d = await StartAsync(sessions, "other/d.bin");

        Assert.Equal([a], (await sessions.ListAtOrBelowAsync(StorePath.Parse("pkg/a.bin"), 10, None)).Sessions.Select(s => s.Record.SessionId));
        Assert.Equal([d, a], (await sessions.ListAtOrBelowAsync(null, 10, None)).Sessions.Select(s => s.Record.SessionId));
        Assert.Empty((await sessions.ListAtOrBelowAsync(StorePath.Parse("nothing/here"), 10, None)).Sessions);
    }

    [Fact]
    public async Task More_sessions_than_the_limit_are_cut_and_say_so()
    {
        var world = new World();
        var sessions = world.Instances[0].Sessions;
        for (var i = 0; i < 3; i++)
        {
            await StartAsync(sessions, $"pkg/{i}.bin");
        }

        var (two, cut) = await sessions.ListAtOrBelowAsync(StorePath.Parse("pkg"), 2, None);
        var (three, whole) = await sessions.ListAtOrBelowAsync(StorePath.Parse("pkg"), 3, None);

        Assert.Equal(2, two.Count);
        Assert.True(cut);
        Assert.Equal(3, three.Count);
        Assert.False(whole);
    }

    [Fact]
    public async Task Listing_a_folder_costs_as_many_storage_calls_with_500_open_sessions_elsewhere_as_with_none()
    {
        Assert.Equal(await CountAsync(openElsewhere: 0), await CountAsync(openElsewhere: 500));
    }

    private static async Task<int> CountAsync(int openElsewhere)
    {
        var world = new World();
        var sessions = world.Instances[0].Sessions;
        for (var i = 0; i < openElsewhere; i++)
        {
            await StartAsync(sessions, $"elsewhere/{i}/f.bin");
        }

        await StartAsync(sessions, "pkg/a.bin");
        var before = world.Store.Calls;
        Assert.Single((await sessions.ListAtOrBelowAsync(StorePath.Parse("pkg"), 10, None)).Sessions);
        return world.Store.Calls - before;
    }

    /// <summary>Starts a session of an 8-byte file with its first 4 bytes (or all 8).</summary>
    private static async Task<Guid> StartAsync(UploadSessions sessions, string path, bool whole = false)
    {
        var id = Guid.NewGuid();
        var last = whole ? 7 : 3;
        var request = new ChunkRequest(StorePath.Parse(path), id, new ContentRange(0, last, 8), last + 1, null);
        Assert.True((await sessions.UploadChunkAsync(request, new MemoryStream(new byte[last + 1]), None)).Succeeded);
        return id;
    }
}
