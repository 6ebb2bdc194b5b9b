using System.Security.Cryptography;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using static BlobImageStore.ModelTests.Steps;

namespace BlobImageStore.ModelTests;

/// <summary>
/// The commit's fence (docs/protocol.md, "Acknowledgement"), as one schedule written out step by step: a commit reads the
/// block list before a chunk stages its final block; the chunk then checks, and its acknowledging read would see the
/// session Open. Without the fence the commit's switch to Committing (If-Match the version it read) succeeds on a block
/// list that lacks the acknowledged chunk. With it, the fenced record makes the chunk acknowledge by a write, the switch
/// loses to that write, and the commit reads the block list again: the one it commits from holds the chunk.
/// <para>What the client could see of that race is limited by the contest check: the commit found the file complete
/// without the chunk, so another complete copy covered the chunk's range before it staged its final block, and a chunk
/// that finds a copy of other bytes there stands back (409). So the acknowledged chunk here is a second copy of the same
/// bytes (a client's retry of a chunk whose first answer it lost), and the committed file holds its bytes either way.
/// The test asserts both: the file holds every acknowledged byte (the user-visible rule), and the block list the commit
/// switched on holds the acknowledged attempt's final block (the rule the fence keeps, which the proof in
/// docs/protocol.md rests on). With the fence disabled (the fence write in <c>CommitOnceAsync</c> skipped: a temporary
/// local change, not committed) the second assertion fails: the list holds one copy, not two.</para>
/// </summary>
public class CommitFenceTests
{
    [Fact]
    public async Task A_chunk_acknowledged_while_a_commit_is_under_way_is_in_the_block_list_the_commit_switches_on()
    {
        var world = new World();
        var session = world.Sessions[0];
        var asked = new Dictionary<int, string>();
        IReadOnlyList<StagedBlock>? listOfCommit = null;
        const int Commit = 5;
        world.Store.OnCall = (request, kind) =>
        {
            if (request == Commit && asked.GetValueOrDefault(request) == "blocks-read")
            {
                listOfCommit = world.Store.BlocksDirect(World.Path.Value); // what the commit's block-list read returned
            }

            asked[request] = kind;
        };

        // Pieces 0 and 2 are in; two copies of piece 1 with the same bytes (a retry whose first answer was lost) start
        // and look at the block list before either has staged.
        await InAsync(world, 1, piece: 0);
        await InAsync(world, 2, piece: 2);
        var first = Start(world, 3, piece: 1, Body.Good);
        var retry = Start(world, 4, piece: 1, Body.GoodNoMd5);
        RunWhile(world, 3, () => asked[3] != "stage");
        RunWhile(world, 4, () => asked[4] != "stage");

        // The first copy is acknowledged; the commit reads the block list (complete) and stops before its switch.
        RunWhile(world, 3, () => !first.IsCompleted);
        Assert.IsType<ChunkAccepted>(await first);
        var commit = world.Scheduler.Start(Commit, () => world.Instances[2].Sessions.CommitAsync(session, null, CancellationToken.None));
        RunWhile(world, Commit, () => listOfCommit is null || asked[Commit] != "record-write");
        Assert.Equal(1, FinalBlocksOfPiece1(listOfCommit));

        // The retry stages its final block (after the commit's read), finds an equal copy (no contest) and is acknowledged.
        RunWhile(world, 4, () => !retry.IsCompleted);
        Assert.IsType<ChunkAccepted>(await retry);

        RunWhile(world, Commit, () => !commit.IsCompleted);
        Assert.IsType<SessionCommitted>(await commit);
        Assert.Equal(world.Files[0], world.Store.Content(World.Path.Value));
        Assert.Equal(2, FinalBlocksOfPiece1(listOfCommit)); // the list the switch was made on holds the acknowledged retry
    }

    private static int FinalBlocksOfPiece1(IReadOnlyList<StagedBlock>? blocks) =>
        blocks!.Count(b => BlockId.TryDecode(b.Name, out var id) && id.Kind == BlockKind.Final && id.ChunkFirst == World.Pieces[1].First);
}

/// <summary>
/// The roll-back's fence (docs/protocol.md, "Acknowledgement"): a refused first chunk removes the session it created,
/// unless another chunk of it is complete in the block list. Without the fence, a second chunk that stages its final block
/// just after the roll-back read the block list, and reads the record before the roll-back deletes it, is acknowledged by
/// that read: its ReceivedBytes write loses to the delete and is not retried, so the client gets 200 for a session that
/// no longer exists. With the fence the chunk's read sees it, the chunk must acknowledge by a conditional write, and that
/// write fails against the deleted record: the chunk is told the session is gone. (Checked by removing the fence write in
/// <c>RollBackAsync</c>, a temporary local change: this test then fails.)
/// </summary>
public class RollBackFenceTests
{
    [Fact]
    public async Task A_chunk_acknowledged_while_a_refused_first_chunk_rolls_the_session_back_keeps_its_session()
    {
        var world = new World();
        var asked = Track(world);

        // The first chunk creates and opens the session, then its body turns out damaged.
        var first = Start(world, 1, piece: 0, Body.Damaged);
        RunWhile(world, 1, () => asked.BlockReads(1) < 1);

        // A second chunk of the session reads the record and the block list, and waits to stage.
        var second = Start(world, 2, piece: 1, Body.Good);
        RunWhile(world, 2, () => asked[2] != "stage");

        // The first chunk is refused and rolls back: it has read the block list (nothing complete) and waits to delete.
        RunWhile(world, 1, () => asked.BlockReads(1) < 2 || asked[1] == "blocks-read");
        Assert.Equal("record-write", asked[1]);

        // The second chunk stages, checks, confirms and reads the record; it waits at its record write.
        RunWhile(world, 2, () => asked[2] != "record-write");

        // The roll-back deletes the record; then the second chunk goes on.
        RunWhile(world, 1, () => !first.IsCompleted);
        Assert.IsType<Md5Mismatch>(await first);
        RunWhile(world, 2, () => !second.IsCompleted);

        var session = world.Store.Records.FirstOrDefault(r => r.SessionId == world.Sessions[0]);
        var answer = await second;
        Assert.False(answer.Succeeded && session is null, $"the chunk was answered {answer} but its session's record is gone");
    }
}
