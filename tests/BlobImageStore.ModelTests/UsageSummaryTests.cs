using BlobImageStore.Content;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using Microsoft.Extensions.Options;

namespace BlobImageStore.ModelTests;

/// <summary>
/// Info's usage summary of the session container (<see cref="ISessionUsageSummary"/>): the cleanup writes what its walk
/// found, Info reads it, and measures (and writes) it itself when there is none or it is older than
/// 2 × <c>ImageStore:CleanupInterval</c>; it is never seen as a record, a claim or a session.
/// </summary>
public class UsageSummaryTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_cleanup_run_writes_what_the_session_container_holds_as_the_run_leaves_it()
    {
        var world = new World();
        var instance = world.Instances[0];
        var expiring = await StartAsync(world, "old/a.bin", whole: false);
        await StartAsync(world, "old/b.bin", whole: true); // committed: a tombstone
        // Both past expiry (the open moved the horizon a Horizon ahead); the committed one's tombstone stays for 7 days.
        world.Clock.Advance(instance.Machine.Rules.Horizon + TimeSpan.FromMinutes(1));
        var open = await StartAsync(world, "new/c.bin", whole: false);
        await StartAsync(world, "new/d.bin", whole: false);
        Assert.NotEqual(expiring, open);

        var report = await instance.Cleanup.RunAsync(None);

        Assert.Equal(1, report.Expired);
        var summary = world.Store.Summary;
        Assert.NotNull(summary);
        Assert.Equal(world.Clock.GetUtcNow(), summary.MeasuredAt);
        // What a full listing finds now, but for the bytes of the record this run rewrote (a tombstone now), counted at
        // their listed size.
        var measured = await world.Store.MeasureAsync(None);
        Assert.Equal(measured, summary.Usage with { Bytes = measured.Bytes });
        Assert.InRange(summary.Usage.Bytes, measured.Bytes - 100, measured.Bytes + 100);
        Assert.Equal((2, 8), (summary.Usage.OpenSessions, summary.Usage.OpenSessionBytes));
        Assert.Equal((4, 2), (summary.Usage.Records, summary.Usage.Claims)); // the expired session's claim was released
        Assert.Equal(summary.Usage, report.Usage);
    }

    [Fact]
    public async Task Removed_tombstones_and_released_claims_are_not_counted()
    {
        var world = new World();
        await StartAsync(world, "a.bin", whole: true);
        await StartAsync(world, "b.bin", whole: false);
        world.Clock.Advance(TimeSpan.FromDays(8)); // past expiry and past the tombstone retention
        await world.Instances[0].Cleanup.RunAsync(None); // expires b (a tombstone now), removes a's tombstone
        world.Clock.Advance(TimeSpan.FromDays(8));

        var report = await world.Instances[0].Cleanup.RunAsync(None); // removes b's tombstone

        Assert.Equal(1, report.TombstonesRemoved);
        Assert.Equal(new SessionStoreUsage(0, 0, 0, 0, 0), world.Store.Summary!.Usage);
        Assert.Equal(await world.Store.MeasureAsync(None), world.Store.Summary.Usage);
    }

    [Fact]
    public async Task With_no_summary_Info_measures_the_session_container_and_writes_it()
    {
        var world = new World();
        await StartAsync(world, "pkg/a.bin", whole: false);
        Assert.Null(world.Store.Summary);
        var usage = Usage(world);

        var listed = world.Store.Listed;
        var info = await usage.InfoAsync(None);

        Assert.True(world.Store.Listed - listed > 1, "the session container was listed");
        Assert.Equal((4, 1), (info.Staging.Bytes, info.Staging.Files));
        Assert.Equal(2, info.Metadata.Files);
        Assert.Equal(new SessionUsageSummary(await world.Store.MeasureAsync(None), world.Clock.GetUtcNow()), world.Store.Summary);

        // The next Info reads it: no record or claim is listed.
        listed = world.Store.Listed;
        Assert.Equal(info, await usage.InfoAsync(None));
        Assert.Equal(1, world.Store.Listed - listed); // the one file of the store (the world's copy source)
    }

    [Fact]
    public async Task Info_reports_the_summary_while_it_is_recent_and_measures_again_once_it_is_older_than_two_cleanup_intervals()
    {
        var world = new World();
        await StartAsync(world, "pkg/a.bin", whole: false);
        await world.Instances[0].Cleanup.RunAsync(None);
        var measuredAt = world.Store.Summary!.MeasuredAt;
        await StartAsync(world, "pkg/b.bin", whole: false); // after the measurement
        var usage = Usage(world);

        world.Clock.Advance(2 * Interval);
        Assert.Equal(1, (await usage.InfoAsync(None)).Staging.Files); // as of the last measurement, at most 2 intervals old
        Assert.Equal(measuredAt, world.Store.Summary!.MeasuredAt);

        world.Clock.Advance(TimeSpan.FromSeconds(1)); // the cleanup has not run for more than two intervals
        var info = await usage.InfoAsync(None);

        Assert.Equal(2, info.Staging.Files);
        Assert.Equal(world.Clock.GetUtcNow(), world.Store.Summary!.MeasuredAt);
        Assert.Equal(2, world.Store.Summary.Usage.OpenSessions);
    }

    [Fact]
    public async Task A_summary_dated_far_ahead_by_a_wrong_clock_is_measured_again_not_kept()
    {
        var world = new World();
        await StartAsync(world, "pkg/a.bin", whole: false);
        ISessionUsageSummary port = world.Store;
        Assert.True(await port.TryWriteAsync(new SessionUsageSummary(new SessionStoreUsage(), world.Clock.GetUtcNow().AddDays(1)), null, None));

        var info = await Usage(world).InfoAsync(None);

        Assert.Equal(1, info.Staging.Files);
        Assert.Equal(world.Clock.GetUtcNow(), world.Store.Summary!.MeasuredAt);
    }

    [Fact]
    public async Task A_write_over_a_summary_that_changed_since_it_was_read_fails_and_the_newer_one_stays()
    {
        var world = new World();
        ISessionUsageSummary port = world.Store;
        var first = new SessionUsageSummary(new SessionStoreUsage(1, 1, 10, 1, 4), world.Clock.GetUtcNow());
        Assert.True(await port.TryWriteAsync(first, null, None));
        Assert.False(await port.TryWriteAsync(first with { MeasuredAt = first.MeasuredAt.AddMinutes(1) }, null, None)); // one exists
        var read = (await port.ReadAsync(None))!.Value;
        var newer = first with { MeasuredAt = first.MeasuredAt.AddMinutes(2) };
        Assert.True(await port.TryWriteAsync(newer, read.Version, None));

        Assert.False(await port.TryWriteAsync(first, read.Version, None));

        Assert.Equal(newer, world.Store.Summary);
    }

    [Fact]
    public async Task The_summary_is_no_record_claim_or_session_to_any_listing_or_lookup()
    {
        var world = new World();
        var instance = world.Instances[0];
        var a = await StartAsync(world, "pkg/a.bin", whole: false);
        await StartAsync(world, "usage.json", whole: false); // a file whose name is the summary's: still its own session
        await instance.Cleanup.RunAsync(None);
        Assert.Contains(InMemoryStore.SummaryName, world.Store.MetadataNames);

        var (listed, _) = await instance.Sessions.ListAtOrBelowAsync(null, 100, None);
        Assert.Equal(["pkg/a.bin", "usage.json"], listed.Select(s => s.Record.Path).Order(StringComparer.Ordinal));
        Assert.Equal(a, (await instance.Sessions.GetByPathAsync(StorePath.Parse("pkg/a.bin"), None))!.Record.SessionId);
        Assert.Equal(2, await world.Store.ListAsync(None).CountAsync());
        Assert.Equal(["pkg/a.bin", "usage.json"], await world.Store.ListEveryAsync(None).Select(c => c.Claim.Value.Path).OrderBy(p => p, StringComparer.Ordinal).ToListAsync());
        Assert.Equal(2, (await world.Store.MeasureAsync(None)).Records);

        var again = await instance.Cleanup.RunAsync(None);
        Assert.Equal((2, 0, 0, 0), (again.Scanned, again.Expired, again.ClaimsReleased, again.Failures));
    }

    private static StoreUsage Usage(World world) =>
        new(world.Store, world.Store, world.Store, world.Clock, Options.Create(new ImageStoreOptions { CleanupInterval = Interval }));

    /// <summary>Starts a session of an 8-byte file with its first 4 bytes, or uploads and commits all 8.</summary>
    private static async Task<Guid> StartAsync(World world, string path, bool whole)
    {
        var sessions = world.Instances[0].Sessions;
        var id = Guid.NewGuid();
        var last = whole ? 7 : 3;
        var request = new ChunkRequest(StorePath.Parse(path), id, new ContentRange(0, last, 8), last + 1, null);
        Assert.True((await sessions.UploadChunkAsync(request, new MemoryStream(new byte[last + 1]), None)).Succeeded);
        if (whole)
        {
            Assert.IsType<SessionCommitted>(await sessions.CommitAsync(id, null, None));
        }

        return id;
    }
}
