using System.Security.Cryptography;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;

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
        await RunAsync(world, Start(world, 1, piece: 0, Body.Good));
        await RunAsync(world, Start(world, 2, piece: 2, Body.Good));
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

    private static Task<Outcome> Start(World world, int id, int piece, Body body)
    {
        var chunk = new Chunk(0, piece, body);
        var (bytes, md5, _) = world.ChunkBody(chunk);
        var range = World.Pieces[piece];
        var request = new ChunkRequest(World.Path, world.Sessions[0], new ContentRange(range.First, range.Last, World.FileSize), bytes.Length, md5, null, World.ChunkTimeout);
        return world.Scheduler.Start(id, () => world.Instances[id % 3].Sessions.UploadChunkAsync(request, new MemoryStream(bytes), CancellationToken.None));
    }

    private static async Task RunAsync(World world, Task<Outcome> request)
    {
        for (var steps = 0; !request.IsCompleted; steps++)
        {
            Assert.True(steps < 100, "no end");
            world.Scheduler.Resume(Assert.Single(world.Scheduler.Waiting));
        }

        Assert.IsType<ChunkAccepted>(await request);
    }

    /// <summary>Lets request <paramref name="id"/> make storage calls, one at a time, while <paramref name="condition"/> holds.</summary>
    private static void RunWhile(World world, int id, Func<bool> condition)
    {
        for (var steps = 0; condition(); steps++)
        {
            Assert.True(steps < 100 && world.Scheduler.Waiting.Contains(id), $"request {id} stopped before the condition changed");
            world.Scheduler.Resume(id);
        }
    }
}
