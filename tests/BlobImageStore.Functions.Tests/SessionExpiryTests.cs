using System.Text.Json;
using Azure.Storage.Blobs.Specialized;
using BlobImageStore.Functions.Tests.Infrastructure;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;

namespace BlobImageStore.Functions.Tests;

/// <summary>
/// Session expiry end to end, through the function classes on a real Azurite: a 2-second <c>ImageStore:SessionExpiry</c>
/// set by options, and a test clock moved past it (and past the tombstone retention) instead of sleeping.
/// </summary>
[Collection(HostsCollection.Name)]
public sealed class SessionExpiryTests(HostsFixture hosts)
{
    // Past the horizon the first chunk's record write set (issue #14: chunks no longer write the record each): 1.5 × the
    // larger of the expiry and the chunk's 60-second default timeout, plus the 30 s of tolerated clock skew.
    private static readonly TimeSpan PastExpiry =
        new SessionRules(0, 0, ExpiryStore.Expiry, ExpiryStore.Retention).HorizonFor(TimeSpan.FromSeconds(60)) + TimeSpan.FromSeconds(1);

    [Fact]
    public async Task An_abandoned_session_expires_is_cleaned_up_once_and_its_id_answers_404_until_its_tombstone_goes()
    {
        await using var store = new ExpiryStore(hosts, "exp");
        var file = TestData.Bytes(300_000, 1);

        // P already holds a committed file; R holds none. One abandoned session on each.
        var p = $"exp-{Guid.NewGuid():N}/committed.bin";
        var r = $"exp-{Guid.NewGuid():N}/new.bin";
        var committed = (await store.Files.GetBlobClient(p).UploadAsync(BinaryData.FromString("committed before"))).Value;
        Guid onP = Guid.NewGuid(), onR = Guid.NewGuid();
        Assert.Equal(200, (await store.PutChunkAsync(p, onP, file, 0, 99_999)).Status);
        Assert.Equal(200, (await store.PutChunkAsync(r, onR, file, 0, 149_999)).Status);
        Assert.Equal(200, (await store.GetByIdAsync(onP)).Status);
        Assert.True(await store.UncommittedBlocksAsync(r) > 0);

        store.Clock.Advance(PastExpiry);

        // Expired from the moment Modified+Expiry passed, before any cleanup has run: no session, and a 404 that says why.
        Assert.Equal("Open", await store.StateAsync(onP));
        Assert.Equal(204, (await store.GetByIdAsync(onP)).Status);
        Assert.Equal(204, (await store.GetByPathAsync(p)).Status);
        Assert.Equal(204, (await store.GetByIdAsync(onR)).Status);
        AssertExpired(await store.PutChunkAsync(p, onP, file, 100_000, 199_999), onP);
        AssertExpired(await store.CommitAsync(onR), onR);

        // Two cleanups at once, as two instances: nothing fails.
        var second = store.NewInstance();
        var reports = await Task.WhenAll(store.App.Cleanup.RunAsync(CancellationToken.None), second.Cleanup.RunAsync(CancellationToken.None));
        // The chunk and the commit answered "expired" only after tombstoning their sessions (a conditional write: a late
        // acknowledgement can no longer revive them), so the cleanups find nothing left to expire.
        Assert.Equal(0, reports.Sum(x => x.Expired));
        Assert.Equal(0, reports.Sum(x => x.Failures));
        Assert.Equal(0, reports.Sum(x => x.TombstonesRemoved));

        // The records are tombstones that still say when the last chunk came; the claims are gone.
        var tombstone = (await store.RecordAsync(onP))!.Value;
        Assert.Equal("Expired", tombstone.GetProperty("State").GetString());
        Assert.Equal("Expired", await store.StateAsync(onR));
        Assert.Empty(await store.NamesAsync(ClaimNames.Prefix));

        // R's staged chunks never became a file (they stay uncommitted, invisible, until Azure drops them); P's committed
        // file is untouched, byte for byte and ETag.
        Assert.False((await store.Files.GetBlobClient(r).ExistsAsync()).Value);
        var download = (await store.Files.GetBlobClient(p).DownloadContentAsync()).Value;
        Assert.Equal("committed before", download.Content.ToString());
        Assert.Equal(committed.ETag, download.Details.ETag);

        // Still a 404 after the cleanup (from the tombstone), never a silent new session at offset 0.
        AssertExpired(await store.PutChunkAsync(p, onP, file, 0, 99_999), onP);
        AssertExpired(await store.PutChunkAsync(r, onR, file, 150_000, 299_999), onR);
        Assert.Equal(204, (await store.GetByIdAsync(onP)).Status);
        Assert.Equal("Expired", await store.StateAsync(onP));

        // A second pass finds nothing more to do.
        var again = await store.App.Cleanup.RunAsync(CancellationToken.None);
        Assert.Equal((0, 0, 0, 0), (again.Expired, again.TombstonesRemoved, again.ClaimsReleased, again.Failures));

        // The paths are free for new sessions, which start from nothing.
        var fresh = Guid.NewGuid();
        Assert.Equal(200, (await store.PutChunkAsync(r, fresh, file, 200_000, 299_999)).Status);
        Assert.Equal([(0L, 199_999L)], Ranges(await store.GetByIdAsync(fresh)));

        // After the retention the tombstones go; then the id is forgotten and may start a new session.
        store.Clock.Advance(ExpiryStore.Retention);
        var late = await store.App.Cleanup.RunAsync(CancellationToken.None);
        Assert.Equal(2, late.TombstonesRemoved);
        Assert.Equal(1, late.Expired); // the fresh session, abandoned in turn
        Assert.Null(await store.RecordAsync(onP));
        Assert.Null(await store.RecordAsync(onR));
        Assert.Equal(200, (await store.PutChunkAsync(p, onP, file, 0, 99_999)).Status);
    }

    [Fact]
    public async Task Deleting_an_expired_session_is_200_and_leaves_a_tombstone_that_keeps_refusing_its_id()
    {
        await using var store = new ExpiryStore(hosts, "del");
        var file = TestData.Bytes(200_000, 2);
        var beforeCleanup = $"del-{Guid.NewGuid():N}/a.bin";
        var afterCleanup = $"del-{Guid.NewGuid():N}/b.bin";
        Guid s1 = Guid.NewGuid(), s2 = Guid.NewGuid();
        Assert.Equal(200, (await store.PutChunkAsync(beforeCleanup, s1, file, 0, 99_999)).Status);
        Assert.Equal(200, (await store.PutChunkAsync(afterCleanup, s2, file, 0, 99_999)).Status);
        store.Clock.Advance(PastExpiry);

        // Expired, not yet cleaned up: the delete ends it (a Deleted tombstone) and frees the path; no file appears.
        Assert.Equal(200, (await store.DeleteAsync(s1)).Status);
        Assert.Equal("Deleted", await store.StateAsync(s1));
        Assert.False(await store.ClaimExistsAsync(beforeCleanup));
        Assert.False((await store.Files.GetBlobClient(beforeCleanup).ExistsAsync()).Value);

        // Cleaned up into a tombstone: the delete is 200 and the tombstone stays.
        Assert.Equal(1, (await store.App.Cleanup.RunAsync(CancellationToken.None)).Expired);
        Assert.Equal("Expired", await store.StateAsync(s2));
        Assert.Equal(200, (await store.DeleteAsync(s2)).Status);
        Assert.Equal("Expired", await store.StateAsync(s2));

        // Ended means ended: the ids are refused for the tombstone retention, never a silent new session.
        Assert.Equal(404, (await store.PutChunkAsync(beforeCleanup, s1, file, 100_000, 199_999)).Status);
        Assert.Equal(204, (await store.GetByIdAsync(s1)).Status);
    }

    [Fact]
    public async Task A_new_session_may_take_an_expired_sessions_path_at_once_and_the_cleanup_never_discards_its_chunks()
    {
        await using var store = new ExpiryStore(hosts, "take");
        var path = $"take-{Guid.NewGuid():N}/f.bin";
        var old = TestData.Bytes(200_000, 3);
        var file = TestData.Bytes(200_000, 4);
        Guid abandoned = Guid.NewGuid(), next = Guid.NewGuid();
        Assert.Equal(200, (await store.PutChunkAsync(path, abandoned, old, 0, 99_999)).Status);
        store.Clock.Advance(PastExpiry);

        // Before the cleanup: the path is free (the expired session's claim is stale).
        Assert.Equal(200, (await store.PutChunkAsync(path, next, file, 100_000, 199_999)).Status);
        Assert.Equal(next.ToString(), Session(await store.GetByPathAsync(path)).GetProperty("SessionId").GetString());

        // Taking the path tombstoned the abandoned session first (so it can never accept a chunk again); the cleanup
        // leaves the path and its blocks to the new session.
        Assert.Equal("Expired", await store.StateAsync(abandoned));
        var report = await store.App.Cleanup.RunAsync(CancellationToken.None);
        Assert.Equal(0, report.Expired);
        Assert.Equal(0, report.ClaimsReleased);
        Assert.Equal("Expired", await store.StateAsync(abandoned));
        Assert.True(await store.ClaimExistsAsync(path));
        Assert.Equal([(0L, 99_999L)], Ranges(await store.GetByIdAsync(next)));

        Assert.Equal(200, (await store.PutChunkAsync(path, next, file, 0, 99_999)).Status);
        Assert.Equal(200, (await store.CommitAsync(next)).Status);
        Assert.Equal(file, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Many_cleanups_at_once_expire_each_session_exactly_once()
    {
        await using var store = new ExpiryStore(hosts, "many");
        var sessions = Enumerable.Range(0, 8).Select(_ => (Path: $"many-{Guid.NewGuid():N}/f.bin", Id: Guid.NewGuid())).ToList();
        foreach (var (path, id) in sessions)
        {
            Assert.Equal(200, (await store.PutChunkAsync(path, id, new byte[100], 0, 49)).Status);
        }

        store.Clock.Advance(PastExpiry);
        var instances = Enumerable.Range(0, 3).Select(_ => store.NewInstance()).ToList();
        var reports = await Task.WhenAll(instances.Select(i => i.Cleanup.RunAsync(CancellationToken.None)));

        Assert.Equal(sessions.Count, reports.Sum(r => r.Expired));
        Assert.Equal(0, reports.Sum(r => r.Failures));
        foreach (var (path, id) in sessions)
        {
            Assert.Equal("Expired", await store.StateAsync(id));
            Assert.False(await store.ClaimExistsAsync(path));
            Assert.False((await store.Files.GetBlobClient(path).ExistsAsync()).Value);
        }
    }

    [Fact]
    public async Task Stale_path_claims_are_released_but_a_live_write_claim_is_left_alone()
    {
        await using var store = new ExpiryStore(hosts, "claim");
        var now = store.Clock.GetUtcNow();
        var orphan = StorePath.Parse($"claim-{Guid.NewGuid():N}/old.bin");
        var writing = StorePath.Parse($"claim-{Guid.NewGuid():N}/writing.bin");
        var committedHolder = StorePath.Parse($"claim-{Guid.NewGuid():N}/done.bin");

        // A session claim whose session has no record (records are written before claims, so it ended long ago); a write
        // claim within its lease (an UploadFile under way on another instance); one whose session committed but whose
        // release failed.
        await WriteClaimAsync(store, orphan, new PathClaim(orphan.Value, ClaimKind.Session, Guid.NewGuid(), 1, now - TimeSpan.FromHours(1)));
        await WriteClaimAsync(store, writing, new PathClaim(writing.Value, ClaimKind.Write, Guid.NewGuid(), 0, now, now + TimeSpan.FromMinutes(2)));
        var done = Guid.NewGuid();
        Assert.Equal(200, (await store.PutChunkAsync(committedHolder.Value, done, new byte[10], 0, 9)).Status);
        var claim = (await store.Sessions.GetBlobClient(ClaimNames.For(committedHolder)).DownloadContentAsync()).Value.Content.ToString();
        Assert.Equal(200, (await store.CommitAsync(done)).Status);
        await WriteClaimAsync(store, committedHolder, JsonSerializer.Deserialize<PathClaim>(claim, Json)!);

        var report = await store.App.Cleanup.RunAsync(CancellationToken.None);

        Assert.Equal(2, report.ClaimsReleased);
        Assert.False(await store.ClaimExistsAsync(orphan.Value));
        Assert.False(await store.ClaimExistsAsync(committedHolder.Value));
        Assert.True(await store.ClaimExistsAsync(writing.Value));
        Assert.Equal(new byte[10], (await store.Files.GetBlobClient(committedHolder.Value).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task A_write_claim_holds_new_sessions_off_until_its_lease_lapses()
    {
        await using var store = new ExpiryStore(hosts, "lease");
        var path = StorePath.Parse($"lease-{Guid.NewGuid():N}/f.bin");
        var now = store.Clock.GetUtcNow();
        await WriteClaimAsync(store, path, new PathClaim(path.Value, ClaimKind.Write, Guid.NewGuid(), 0, now, now + TimeSpan.FromMinutes(2)));

        // Another instance is writing the file (or died doing so): a session may not stage blocks its write would drop.
        var next = Guid.NewGuid();
        var held = await store.PutChunkAsync(path.Value, next, new byte[100], 50, 99);
        Assert.True(held.Status == 409, held.Body);
        Assert.Contains("being written", held.Body);
        Assert.Null(await store.RecordAsync(next));

        // If that instance died, its lease lapses (plus the clock skew allowed) and the path is free.
        store.Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(200, (await store.PutChunkAsync(path.Value, next, new byte[100], 50, 99)).Status);
    }

    [Fact]
    public async Task The_timer_function_runs_the_cleanup()
    {
        await using var store = new ExpiryStore(hosts, "timer");
        var id = Guid.NewGuid();
        Assert.Equal(200, (await store.PutChunkAsync($"timer-{Guid.NewGuid():N}/f.bin", id, new byte[10], 0, 4)).Status);
        store.Clock.Advance(PastExpiry);

        await store.App.CleanupFunction.RunAsync(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        Assert.Equal("Expired", await store.StateAsync(id));
    }

    [Fact]
    public async Task The_timer_function_writes_the_usage_summary_that_Info_reads()
    {
        await using var store = new ExpiryStore(hosts, "usage");
        var (expiring, open, later) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        Assert.Equal(200, (await store.PutChunkAsync($"usage-{Guid.NewGuid():N}/a.bin", expiring, new byte[10], 0, 4)).Status);
        store.Clock.Advance(PastExpiry);
        Assert.Equal(200, (await store.PutChunkAsync($"usage-{Guid.NewGuid():N}/b.bin", open, new byte[10], 0, 6)).Status);

        var before = store.Clock.GetUtcNow();
        await store.App.CleanupFunction.RunAsync(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        using var summary = JsonDocument.Parse((await store.Sessions.GetBlobClient(BlobSessionUsageSummary.BlobName).DownloadContentAsync()).Value.Content.ToString());
        Assert.InRange(summary.RootElement.GetProperty("MeasuredAt").GetDateTimeOffset(), before, store.Clock.GetUtcNow()); // when the run started
        var usage = summary.RootElement.GetProperty("Usage");
        Assert.Equal((1, 7), (usage.GetProperty("OpenSessions").GetInt64(), usage.GetProperty("OpenSessionBytes").GetInt64()));
        Assert.Equal((2, 1), (usage.GetProperty("Records").GetInt64(), usage.GetProperty("Claims").GetInt64())); // the expired one's claim went

        // Info reads it: a session opened after the run is not counted until the next run (or until the summary is
        // older than two cleanup intervals and Info measures again).
        Assert.Equal(200, (await store.PutChunkAsync($"usage-{Guid.NewGuid():N}/c.bin", later, new byte[10], 0, 2)).Status);
        var info = await store.App.SendAsync(HttpMethod.Get, "/ImageStore/$/Info?api-version=6.5");
        Assert.Equal(200, info.Status);
        var staging = JsonDocument.Parse(info.Body).RootElement.GetProperty("UsedByStaging");
        Assert.Equal(("7", "1"), (staging.GetProperty("UsedSpace").GetString(), staging.GetProperty("FileCount").GetString()));

        store.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1)); // 2 × the default 5-minute interval
        staging = JsonDocument.Parse((await store.App.SendAsync(HttpMethod.Get, "/ImageStore/$/Info?api-version=6.5")).Body).RootElement.GetProperty("UsedByStaging");
        // Measured again: the session opened after the run counts now (both records are still Open: only the cleanup
        // turns an expired session's record into a tombstone, and Info counts records, as it always has).
        Assert.Equal(("10", "2"), (staging.GetProperty("UsedSpace").GetString(), staging.GetProperty("FileCount").GetString()));
    }

    private static readonly JsonSerializerOptions Json = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private static async Task WriteClaimAsync(ExpiryStore store, StorePath path, PathClaim claim) =>
        await store.Sessions.GetBlobClient(ClaimNames.For(path)).UploadAsync(BinaryData.FromObjectAsJson(claim, Json), overwrite: true);

    private static void AssertExpired(Answer answer, Guid session)
    {
        Assert.True(answer.Status == 404, $"{answer.Status}: {answer.Body}");
        var error = JsonDocument.Parse(answer.Body).RootElement.GetProperty("Error");
        Assert.Equal("FABRIC_E_FILE_NOT_FOUND", error.GetProperty("Code").GetString());
        var message = error.GetProperty("Message").GetString()!;
        Assert.Contains(session.ToString(), message);
        Assert.Matches(@"expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z, [^,]+ after its last recorded activity at \d{4}-", message);
        Assert.Contains("chunks were discarded", message);
        Assert.Contains("new session-id", message);
    }

    private static JsonElement Session(Answer answer)
    {
        Assert.True(answer.Status == 200, $"{answer.Status}: {answer.Body}");
        return Assert.Single(JsonDocument.Parse(answer.Body).RootElement.GetProperty("UploadSessions").EnumerateArray());
    }

    private static List<(long, long)> Ranges(Answer answer) =>
        Session(answer).GetProperty("ExpectedRanges").EnumerateArray()
            .Select(r => (long.Parse(r.GetProperty("StartPosition").GetString()!), long.Parse(r.GetProperty("EndPosition").GetString()!)))
            .ToList();
}
