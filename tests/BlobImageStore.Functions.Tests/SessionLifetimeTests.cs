using System.Net;
using BlobImageStore.Errors;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;

namespace BlobImageStore.Functions.Tests;

/// <summary>The expiry decisions as pure logic: records, claims and times in, decisions out.</summary>
public sealed class SessionLifetimeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
    private static readonly TimeSpan Expiry = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);
    private static readonly SessionLifetime Lifetime = new(Expiry, Retention);

    private static UploadSessionRecord Record(SessionState state, DateTimeOffset modified, string path = "app/pkg.zip") =>
        new(Guid.Parse("4a2340e8-d8d8-497c-95fe-cdaa1052f33b"), path, 1000, 7, modified - TimeSpan.FromMinutes(5), modified, state);

    [Fact]
    public void The_default_options_give_30_minutes_and_7_days()
    {
        var lifetime = new SessionLifetime(new ImageStoreOptions());

        Assert.Equal(TimeSpan.FromMinutes(30), lifetime.Expiry);
        Assert.Equal(TimeSpan.FromDays(7), lifetime.Retention);
    }

    [Fact]
    public void An_open_session_is_expired_from_the_exact_moment_its_last_chunk_plus_the_expiry_passes()
    {
        var open = Record(SessionState.Open, T0);

        Assert.Equal(T0 + Expiry, Lifetime.ExpiresAt(open));
        Assert.True(Lifetime.IsLive(open, T0 + Expiry - TimeSpan.FromTicks(1)));
        Assert.False(Lifetime.IsExpired(open, T0 + Expiry - TimeSpan.FromTicks(1)));
        Assert.False(Lifetime.IsLive(open, T0 + Expiry));
        Assert.True(Lifetime.IsExpired(open, T0 + Expiry));
    }

    [Theory]
    [InlineData(SessionState.Expired, true)]
    [InlineData(SessionState.Committed, false)]
    public void Tombstones_are_never_live_and_only_an_expired_one_counts_as_expired(SessionState state, bool expired)
    {
        var tombstone = Record(state, T0);

        Assert.False(Lifetime.IsLive(tombstone, T0));
        Assert.Equal(expired, Lifetime.IsExpired(tombstone, T0));
    }

    [Theory]
    [InlineData(SessionState.Open, 0, CleanupAction.None)]
    [InlineData(SessionState.Open, 30, CleanupAction.Expire)]
    [InlineData(SessionState.Committed, 30, CleanupAction.None)]
    [InlineData(SessionState.Committed, 7 * 24 * 60 - 1, CleanupAction.None)]
    [InlineData(SessionState.Committed, 7 * 24 * 60, CleanupAction.RemoveTombstone)]
    [InlineData(SessionState.Expired, 7 * 24 * 60, CleanupAction.None)]
    [InlineData(SessionState.Expired, 7 * 24 * 60 + 30, CleanupAction.RemoveTombstone)]
    public void The_cleanup_expires_open_sessions_and_removes_tombstones_after_the_retention(SessionState state, int minutesAfterModified, CleanupAction action)
    {
        // An expired tombstone keeps its last-chunk time; its retention counts from the moment it expired.
        var record = Record(state, T0);
        var now = T0 + TimeSpan.FromMinutes(minutesAfterModified);

        Assert.Equal(action, Lifetime.Decide(record, now));
        Assert.Equal(action != CleanupAction.None, now >= Lifetime.DueAt(state, T0));
    }

    [Fact]
    public void A_claim_held_by_a_live_session_of_its_path_is_live()
    {
        var claim = new PathClaim(Guid.NewGuid(), "app/pkg.zip", T0);

        Assert.Equal(ClaimStanding.Live, Lifetime.Classify(claim, Record(SessionState.Open, T0), T0 + TimeSpan.FromMinutes(29)));
        Assert.False(Lifetime.CleanupMayRelease(claim, Record(SessionState.Open, T0), T0 + TimeSpan.FromMinutes(29)));
    }

    [Theory]
    [InlineData(SessionState.Open, 30, "app/pkg.zip")] // expired
    [InlineData(SessionState.Open, 1, "other/path.zip")] // the id was reused for another path
    [InlineData(SessionState.Committed, 1, "app/pkg.zip")]
    [InlineData(SessionState.Expired, 31, "app/pkg.zip")]
    public void A_claim_whose_session_expired_ended_or_moved_is_stale(SessionState state, int minutes, string holderPath)
    {
        var claim = new PathClaim(Guid.NewGuid(), "app/pkg.zip", T0 - TimeSpan.FromHours(1));
        var holder = Record(state, T0, holderPath);

        Assert.Equal(ClaimStanding.Stale, Lifetime.Classify(claim, holder, T0 + TimeSpan.FromMinutes(minutes)));
        Assert.True(Lifetime.CleanupMayRelease(claim, holder, T0 + TimeSpan.FromMinutes(minutes)));
    }

    [Fact]
    public void A_claim_without_a_record_is_live_during_its_grace_then_stale()
    {
        var claim = new PathClaim(Guid.NewGuid(), "app/pkg.zip", T0);

        Assert.Equal(TimeSpan.FromMinutes(1), Lifetime.ClaimGrace);
        Assert.Equal(ClaimStanding.Live, Lifetime.Classify(claim, null, T0 + TimeSpan.FromSeconds(59)));
        Assert.Equal(ClaimStanding.Stale, Lifetime.Classify(claim, null, T0 + TimeSpan.FromMinutes(1)));
        Assert.Equal(ClaimStanding.Stale, Lifetime.Classify(claim with { Claimed = null }, null, T0));
        Assert.Equal(TimeSpan.FromSeconds(2), new SessionLifetime(TimeSpan.FromSeconds(2), Retention).ClaimGrace);
    }

    [Fact]
    public void The_cleanup_leaves_a_freshly_written_stale_claim_alone()
    {
        // A session id reused after its commit rewrites its claim before its new record exists: the old record says
        // Committed, but the claim is about to be someone's again.
        var claim = new PathClaim(Guid.NewGuid(), "app/pkg.zip", T0);
        var committed = Record(SessionState.Committed, T0 - TimeSpan.FromMinutes(10));

        Assert.Equal(ClaimStanding.Stale, Lifetime.Classify(claim, committed, T0 + TimeSpan.FromSeconds(1)));
        Assert.False(Lifetime.CleanupMayRelease(claim, committed, T0 + TimeSpan.FromSeconds(1)));
        Assert.True(Lifetime.CleanupMayRelease(claim, committed, T0 + Lifetime.ClaimGrace));
    }

    [Fact]
    public void A_claim_marked_releasing_holds_everyone_off_until_the_mark_lapses()
    {
        var claim = new PathClaim(Guid.NewGuid(), "app/pkg.zip", T0 - TimeSpan.FromHours(1), Releasing: T0);
        var expired = Record(SessionState.Open, T0 - TimeSpan.FromHours(1));

        Assert.Equal(ClaimStanding.Releasing, Lifetime.Classify(claim, expired, T0 + SessionLifetime.ReleaseGrace - TimeSpan.FromTicks(1)));
        Assert.False(Lifetime.CleanupMayRelease(claim, expired, T0 + TimeSpan.FromSeconds(1)));
        Assert.Equal(ClaimStanding.Stale, Lifetime.Classify(claim, expired, T0 + SessionLifetime.ReleaseGrace));
        Assert.True(SessionLifetime.DiscardTimeout < SessionLifetime.ReleaseGrace);
    }

    [Fact]
    public void The_expired_error_is_a_404_that_says_when_why_and_what_to_do()
    {
        var error = Lifetime.ExpiredError(Record(SessionState.Open, T0));

        Assert.IsType<FabricException>(error);
        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal("FABRIC_E_FILE_NOT_FOUND", error.Code);
        Assert.Equal(
            "Upload session 4a2340e8-d8d8-497c-95fe-cdaa1052f33b for 'app/pkg.zip' expired at 2026-01-02T03:34:05.678Z (30 minutes after its last chunk, at 2026-01-02T03:04:05.678Z), " +
            "and its chunks were discarded. It cannot be resumed or committed: start a new session with a new session-id and upload the file again.",
            error.Message);
    }

    [Theory]
    [InlineData(2, "2 seconds")]
    [InlineData(1, "1 second")]
    [InlineData(90, "1.5 minutes")]
    [InlineData(30 * 60, "30 minutes")]
    [InlineData(60 * 60, "60 minutes")]
    [InlineData(3 * 60 * 60, "3 hours")]
    [InlineData(7 * 24 * 60 * 60, "7 days")]
    public void Durations_read_as_a_person_says_them(int seconds, string text) =>
        Assert.Equal(text, SessionLifetime.Describe(TimeSpan.FromSeconds(seconds)));
}
