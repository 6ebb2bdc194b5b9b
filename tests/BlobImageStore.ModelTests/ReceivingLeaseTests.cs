using System.Security.Cryptography;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using static BlobImageStore.ModelTests.Steps;

namespace BlobImageStore.ModelTests;

/// <summary>
/// Invariant 6b, the schedule the model found (<see cref="InvariantTests.A_session_does_not_expire_while_a_chunk_of_it_is_being_received"/>)
/// written out step by step: chunk A opens the session and streams; chunk B of the same session arrives, is received and
/// answered; the clock jumps past the session's expiry after B (not past A's deadline); the cleanup runs; A ends. When
/// each chunk held a lease in the record, B's answer once cleared the one lease of the record and the cleanup expired the
/// session under A. Since #14 chunks hold no lease each: the open moved the session's horizon past A's deadline (plus
/// the clock skew), and B's acknowledgement (a read) cannot move it back.
/// </summary>
public class ReceivingLeaseTests
{
    [Fact]
    public async Task A_chunk_answered_first_does_not_end_the_receiving_lease_of_a_chunk_still_being_received()
    {
        var world = new World();
        var session = world.Sessions[0];
        var a = Start(world, 1, 0, piece: 0);
        RunWhile(world, 1, () => world.Store.Records.SingleOrDefault(r => r.SessionId == session) is not { State: SessionState.Open });
        Assert.False(a.IsCompleted); // A holds its lease and is still being received

        var b = Start(world, 2, 1, piece: 1);
        RunWhile(world, 2, () => !b.IsCompleted);
        Assert.IsType<ChunkAccepted>(await b);

        world.Clock.Advance(World.Jump); // past Modified + expiry, before A's lease ends
        var cleanup = world.Scheduler.Start(3, () => world.Instances[2].Cleanup.RunAsync(CancellationToken.None));
        RunWhile(world, 3, () => !cleanup.IsCompleted);
        Assert.Equal(0, (await cleanup).Expired);
        Assert.NotNull(await world.Instances[2].Sessions.GetByIdAsync(session, CancellationToken.None));

        RunWhile(world, 1, () => !a.IsCompleted);
        Assert.IsType<ChunkAccepted>(await a);
        var status = await world.Instances[0].Sessions.GetByIdAsync(session, CancellationToken.None);
        Assert.Equal([World.Pieces[2]], status!.ExpectedRanges);
    }

    private static Task<Outcome> Start(World world, int id, int instance, int piece)
    {
        var range = World.Pieces[piece];
        var body = world.Files[0].AsSpan((int)range.First, (int)range.Length).ToArray();
        var request = new ChunkRequest(World.Path, world.Sessions[0], new ContentRange(range.First, range.Last, World.FileSize), body.Length, MD5.HashData(body), null, World.ChunkTimeout);
        return world.Scheduler.Start(id, () => world.Instances[instance].Sessions.UploadChunkAsync(request, new MemoryStream(body), CancellationToken.None));
    }
}
