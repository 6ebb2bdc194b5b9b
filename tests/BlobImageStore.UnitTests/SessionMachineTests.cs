using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

/// <summary>The session and claim state machines' pure decisions (docs/protocol.md).</summary>
public class SessionMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SessionMachine Machine = new(new SessionRules(4 << 20, 100_000_000, TimeSpan.FromMinutes(30), TimeSpan.FromDays(7)));

    private static UploadSessionRecord Record(SessionState state, DateTimeOffset? receivingUntil = null, DateTimeOffset? ended = null) =>
        new(Guid.NewGuid(), "a/b", 10, 7, T0, T0, state, ReceivingUntil: receivingUntil, Ended: ended);

    [Fact]
    public void An_open_session_expires_at_its_last_chunk_plus_the_expiry_or_at_its_receiving_lease_if_later()
    {
        Assert.True(Machine.IsLive(Record(SessionState.Open), T0.AddMinutes(30).AddTicks(-1)));
        Assert.True(Machine.IsExpired(Record(SessionState.Open), T0.AddMinutes(30)));
        Assert.True(Machine.IsLive(Record(SessionState.Open, receivingUntil: T0.AddMinutes(45)), T0.AddMinutes(44)));
        Assert.Equal(T0.AddMinutes(45), Machine.ExpiresAt(Record(SessionState.Open, receivingUntil: T0.AddMinutes(45))));
    }

    [Theory]
    [InlineData(SessionState.Committed)]
    [InlineData(SessionState.Deleted)]
    [InlineData(SessionState.Expired)]
    [InlineData(SessionState.Committing)]
    public void Only_pending_and_open_sessions_are_live(SessionState state) =>
        Assert.False(Machine.IsLive(Record(state), T0));

    [Theory]
    [InlineData(SessionState.Open, 29, CleanupAction.None)]
    [InlineData(SessionState.Open, 30, CleanupAction.Expire)]
    [InlineData(SessionState.Pending, 30, CleanupAction.Expire)]
    [InlineData(SessionState.Committing, 1, CleanupAction.None)]
    [InlineData(SessionState.Committing, 3, CleanupAction.FinishCommit)]
    [InlineData(SessionState.Deleted, 60 * 24 * 7 - 1, CleanupAction.None)]
    [InlineData(SessionState.Committed, 60 * 24 * 7, CleanupAction.RemoveTombstone)]
    public void The_cleanup_makes_the_transition_that_is_due(SessionState state, int minutes, CleanupAction action) =>
        Assert.Equal(action, Machine.Decide(Record(state, ended: SessionMachine.IsTombstone(state) ? T0 : null), T0.AddMinutes(minutes)));

    [Fact]
    public void A_session_claim_is_live_while_its_session_is_open_on_its_path_with_its_key()
    {
        var record = Record(SessionState.Open);
        var claim = new PathClaim("a/b", ClaimKind.Session, record.SessionId, record.Key, T0);

        Assert.Equal(ClaimStanding.Live, Machine.Stand(claim, record, T0));
        Assert.Equal(ClaimStanding.Live, Machine.Stand(claim, record with { State = SessionState.Committing }, T0));
        Assert.Equal(ClaimStanding.HolderExpired, Machine.Stand(claim, record, T0.AddHours(1)));
        Assert.Equal(ClaimStanding.Stale, Machine.Stand(claim, record with { State = SessionState.Deleted }, T0));
        Assert.Equal(ClaimStanding.Stale, Machine.Stand(claim, record with { Key = 8 }, T0));
        Assert.Equal(ClaimStanding.Stale, Machine.Stand(claim, record with { Path = "a/c" }, T0));
        Assert.Equal(ClaimStanding.Stale, Machine.Stand(claim, null, T0));
    }

    [Fact]
    public void A_write_claim_is_live_until_its_lease_plus_the_clock_skew()
    {
        var claim = new PathClaim("a/b", ClaimKind.Write, Guid.NewGuid(), 0, T0, T0.AddMinutes(2));

        Assert.Equal(ClaimStanding.Live, Machine.Stand(claim, null, T0.AddMinutes(2).AddSeconds(29)));
        Assert.Equal(ClaimStanding.Stale, Machine.Stand(claim, null, T0.AddMinutes(2).AddSeconds(30)));
    }
}
