using BlobImageStore.Sessions;

namespace BlobImageStore.ModelTests;

/// <summary>Helpers of the tests that write one schedule out step by step (<see cref="Scheduler"/>).</summary>
public static class Steps
{
    /// <summary>Starts chunk request <paramref name="id"/> of session 0 on instance <c>id % 3</c>: it runs to its first storage call.</summary>
    public static Task<Outcome> Start(World world, int id, int piece, Body body)
    {
        var (bytes, md5, _) = world.ChunkBody(new Chunk(0, piece, body));
        var range = World.Pieces[piece];
        var request = new ChunkRequest(World.Path, world.Sessions[0], new ContentRange(range.First, range.Last, World.FileSize), bytes.Length, md5, null, World.ChunkTimeout);
        return world.Scheduler.Start(id, () => world.Instances[id % 3].Sessions.UploadChunkAsync(request, new MemoryStream(bytes), CancellationToken.None));
    }

    /// <summary>Sends a good chunk of <paramref name="piece"/> alone, to its 200.</summary>
    public static async Task InAsync(World world, int id, int piece)
    {
        var request = Start(world, id, piece, Body.Good);
        for (var steps = 0; !request.IsCompleted; steps++)
        {
            Assert.True(steps < 100, "no end");
            world.Scheduler.Resume(Assert.Single(world.Scheduler.Waiting));
        }

        Assert.IsType<ChunkAccepted>(await request);
    }

    /// <summary>Lets request <paramref name="id"/> make storage calls, one at a time, while <paramref name="condition"/> holds.</summary>
    public static void RunWhile(World world, int id, Func<bool> condition)
    {
        for (var steps = 0; condition(); steps++)
        {
            Assert.True(steps < 100 && world.Scheduler.Waiting.Contains(id), $"request {id} stopped before the condition changed");
            world.Scheduler.Resume(id);
        }
    }

    /// <summary>Records, per request, the kind of storage call it waits at, and how many block-list reads it asked for.</summary>
    public static Calls Track(World world)
    {
        var calls = new Calls();
        world.Store.OnCall = calls.Asked;
        return calls;
    }

    public sealed class Calls
    {
        private readonly Dictionary<int, string> _last = [];
        private readonly Dictionary<int, int> _blockReads = [];

        /// <summary>The kind of the storage call request <paramref name="id"/> waits at (asked, not yet made).</summary>
        public string this[int id] => _last.GetValueOrDefault(id, "");

        /// <summary>How many block-list reads request <paramref name="id"/> has asked for (a chunk's first is before staging, its second the check).</summary>
        public int BlockReads(int id) => _blockReads.GetValueOrDefault(id);

        public void Asked(int id, string kind)
        {
            _last[id] = kind;
            if (kind == "blocks-read")
            {
                _blockReads[id] = BlockReads(id) + 1;
            }
        }
    }
}
