using BlobImageStore.Sessions;
using static BlobImageStore.ModelTests.Steps;

namespace BlobImageStore.ModelTests;

/// <summary>
/// The confirm block and the late-confirmation rules (docs/protocol.md, "Blocks" and "Late confirmations"), each as one
/// schedule written out step by step: the schedules the random model reaches only now and then, and the one it had to
/// excuse before (a loser killed between its final block and its void marker took the acknowledged copy with it).
/// </summary>
public class ConfirmTests
{
    private const int Piece = 0;

    [Fact]
    public async Task A_loser_killed_before_it_could_stand_back_leaves_the_acknowledged_copy_counted()
    {
        var world = new World();
        var asked = Track(world);
        await InAsync(world, 10, piece: 1);
        await InAsync(world, 11, piece: 2);

        // B (other bytes) looks at the block list before A's final block exists, so it is not refused early, and streams.
        var a = Start(world, 1, Piece, Body.Good);
        var b = Start(world, 2, Piece, Body.Other);
        RunWhile(world, 2, () => asked[2] != "stage");

        // A stages, finds no other copy, confirms and is acknowledged.
        RunWhile(world, 1, () => !a.IsCompleted);
        Assert.IsType<ChunkAccepted>(await a);

        // B stages its final block, reads the block list, finds A's copy, and is killed before its void marker.
        RunWhile(world, 2, () => asked.BlockReads(2) < 2 || asked[2] == "blocks-read");
        Assert.Equal("stage", asked[2]);
        world.Scheduler.Crash(2);

        // A's bytes still count: the range is not expected again, and the commit holds them.
        Assert.DoesNotContain(World.Pieces[Piece], (await world.Instances[0].Sessions.GetByIdAsync(world.Sessions[0], CancellationToken.None))!.ExpectedRanges);
        Assert.IsType<SessionCommitted>(await world.Instances[1].Sessions.CommitAsync(world.Sessions[0], null, CancellationToken.None));
        Assert.Equal(world.Files[0], world.Store.Content(World.Path.Value));
    }

    [Fact]
    public async Task A_commit_never_takes_the_copy_of_a_chunk_that_is_then_refused()
    {
        var world = new World();
        var asked = Track(world);
        await InAsync(world, 10, piece: 1);
        await InAsync(world, 11, piece: 2);

        // Y (other bytes) looks at the block list first and waits; X (the good bytes) stages its final block and waits
        // before its check.
        var y = Start(world, 2, Piece, Body.Other);
        RunWhile(world, 2, () => asked[2] != "stage");
        var x = Start(world, 1, Piece, Body.Good);
        RunWhile(world, 1, () => asked.BlockReads(1) < 2);

        // The commit reads the block list now: X's copy is complete, but not confirmed, so the range is missing.
        var commit = await world.Instances[2].Sessions.CommitAsync(world.Sessions[0], null, CancellationToken.None);
        Assert.Equal([World.Pieces[Piece]], Assert.IsType<Incomplete>(commit).Missing);
        Assert.Null(world.Store.Content(World.Path.Value));

        // Y stages its final block; X's check sees it (pending) and stands back: X was refused, and nothing of it counts.
        RunWhile(world, 2, () => asked.BlockReads(2) < 2);
        RunWhile(world, 1, () => !x.IsCompleted);
        Assert.IsType<RaceConflict>(await x);
        RunWhile(world, 2, () => !y.IsCompleted);
        Assert.IsType<ChunkAccepted>(await y);
    }

    [Fact]
    public async Task A_copy_that_never_confirmed_holds_its_range_only_until_its_confirm_by_time_and_is_then_abandoned()
    {
        var world = new World();
        var asked = Track(world);
        await InAsync(world, 10, piece: 1);
        await InAsync(world, 11, piece: 2);

        // B (other bytes) stages its final block and is killed before its check: complete, never confirmed.
        var b = Start(world, 2, Piece, Body.Other);
        RunWhile(world, 2, () => asked.BlockReads(2) < 2);
        world.Scheduler.Crash(2);

        // Until its confirm-by time (plus the clock skew) it holds the range: it might still confirm.
        var early = Start(world, 1, Piece, Body.Good);
        RunWhile(world, 1, () => !early.IsCompleted);
        Assert.IsType<RaceConflict>(await early);

        // After it, the good bytes are taken, and B is written off in the record before they are confirmed.
        world.Clock.Advance(world.ReceiveTime + 2 * world.Instances[0].Machine.Rules.ClockSkew + TimeSpan.FromSeconds(1));
        var late = Start(world, 3, Piece, Body.Good);
        RunWhile(world, 3, () => !late.IsCompleted);
        Assert.IsType<ChunkAccepted>(await late);
        Assert.Single(world.Store.Records.Single(r => r.SessionId == world.Sessions[0]).Abandoned!);

        Assert.IsType<SessionCommitted>(await world.Instances[1].Sessions.CommitAsync(world.Sessions[0], null, CancellationToken.None));
        Assert.Equal(world.Files[0], world.Store.Content(World.Path.Value));
        Assert.False(b.IsCompleted);
    }

    [Fact]
    public async Task A_confirmation_that_lands_after_its_attempt_was_abandoned_never_counts()
    {
        var world = new World();
        var asked = Track(world);
        await InAsync(world, 10, piece: 1);
        await InAsync(world, 11, piece: 2);

        // A (other bytes) checks, finds nothing, and its confirmation is sent, but lands only much later.
        var a = Start(world, 1, Piece, Body.Other);
        RunWhile(world, 1, () => !(asked.BlockReads(1) >= 2 && asked[1] == "stage"));

        // Meanwhile its confirm-by time passes; B (the good bytes) finds A's copy dead, abandons it and is acknowledged.
        world.Clock.Advance(world.ReceiveTime + 2 * world.Instances[0].Machine.Rules.ClockSkew + TimeSpan.FromSeconds(1));
        var b = Start(world, 2, Piece, Body.Good);
        RunWhile(world, 2, () => !b.IsCompleted);
        Assert.IsType<ChunkAccepted>(await b);

        // A's confirmation lands: A finds itself abandoned and is refused as too slow; B's bytes are the ones that count.
        RunWhile(world, 1, () => !a.IsCompleted);
        Assert.IsType<ChunkTooSlow>(await a);
        Assert.IsType<SessionCommitted>(await world.Instances[1].Sessions.CommitAsync(world.Sessions[0], null, CancellationToken.None));
        Assert.Equal(world.Files[0], world.Store.Content(World.Path.Value));
    }

    [Fact]
    public async Task A_late_confirmation_written_first_keeps_its_copy_and_the_attempt_that_found_it_dead_stands_back()
    {
        var world = new World();
        var asked = Track(world);
        await InAsync(world, 10, piece: 1);
        await InAsync(world, 11, piece: 2);

        // A (the good bytes) is about to confirm; the clock passes its confirm-by time.
        var a = Start(world, 1, Piece, Body.Good);
        RunWhile(world, 1, () => !(asked.BlockReads(1) >= 2 && asked[1] == "stage"));
        world.Clock.Advance(world.ReceiveTime + 2 * world.Instances[0].Machine.Rules.ClockSkew + TimeSpan.FromSeconds(1));

        // B (other bytes) reads the block list without A's confirmation, finds A dead, and is about to write it off (it has read the record).
        var b = Start(world, 2, Piece, Body.Other);
        RunWhile(world, 2, () => !(asked.BlockReads(2) >= 2 && asked[2] == "record-write"));

        // A's confirmation lands late; A writes itself as late-confirmed (If-Match) and is acknowledged.
        RunWhile(world, 1, () => !a.IsCompleted);
        Assert.IsType<ChunkAccepted>(await a);

        // B's abandonment loses to that write; it reads A's late confirmation and stands back.
        RunWhile(world, 2, () => !b.IsCompleted);
        Assert.IsType<RaceConflict>(await b);
        Assert.IsType<SessionCommitted>(await world.Instances[1].Sessions.CommitAsync(world.Sessions[0], null, CancellationToken.None));
        Assert.Equal(world.Files[0], world.Store.Content(World.Path.Value));
    }
}
