using System.Security.Cryptography;
using BlobImageStore.Content;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BlobImageStore.ModelTests;

/// <summary>A request of a schedule.</summary>
public abstract record Op
{
    public int Instance { get; init; }

    /// <summary>Which of two principals sends a session request (<see cref="World.Principal"/>); 0 unless a property varies it.</summary>
    public int Caller { get; init; }
}

/// <summary>A chunk: <paramref name="Piece"/> indexes <see cref="World.Pieces"/>; <paramref name="Body"/> says what is sent.</summary>
public sealed record Chunk(int Session, int Piece, Body Body) : Op;

public sealed record Commit(int Session) : Op;

public sealed record DeleteSession(int Session) : Op;

public sealed record UploadFileOp : Op;

public sealed record CopyOp : Op;

public sealed record DeleteContentOp : Op;

public sealed record CleanupOp : Op;

public enum Body
{
    /// <summary>The file's bytes, with Content-MD5.</summary>
    Good,

    /// <summary>The file's bytes, without Content-MD5.</summary>
    GoodNoMd5,

    /// <summary>Other bytes (a third party, or a changed file), without Content-MD5: the server cannot tell.</summary>
    Other,

    /// <summary>Damaged on the way: Content-MD5 of the good bytes, one byte flipped.</summary>
    Damaged,

    /// <summary>Cut off: the body ends early.</summary>
    Cut,
}

/// <summary>
/// The times of one schedule: the session expiry, the chunks' request timeout, the longest receive, the size of each
/// clock jump, and each instance's clock offset from the shared clock (within <see cref="SessionRules.ClockSkew"/> of
/// each other, as the protocol tolerates). Varied per schedule so that every order of expiry, timeout and jump occurs.
/// </summary>
public sealed record Timing(TimeSpan Expiry, TimeSpan ChunkTimeout, TimeSpan MaxReceive, TimeSpan Jump, TimeSpan[] Offsets)
{
    /// <summary>The fixed times of the tests written before timings varied: expiry 5 min, timeout 10 min, jump 6 min, one clock.</summary>
    public static Timing Default { get; } = new(World.Expiry, World.ChunkTimeout, TimeSpan.FromMinutes(30), World.Jump, [TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero]);

    public override string ToString() =>
        $"expiry {Expiry.TotalMinutes} min, chunk timeout {ChunkTimeout.TotalMinutes} min, max receive {MaxReceive.TotalMinutes} min, jump {Jump.TotalMinutes} min, " +
        $"clock offsets [{string.Join(", ", Offsets.Select(o => $"{o.TotalSeconds} s"))}]";
}

/// <summary>
/// One schedule: requests started at once, the order of their storage calls, crashes and clock jumps, and the sessions'
/// block size: <see cref="World.BlockSize"/> cuts every chunk into blocks (the server hashes each block and the chunk),
/// <see cref="World.PieceSize"/> makes each chunk one block (a Content-MD5 goes to the store unhashed, which checks it).
/// </summary>
public sealed record Schedule(Op[] Ops, int[] Choices, int[] Crashes, int[] Jumps, Timing? Times = null, int BlockSize = World.BlockSize)
{
    public Timing Timing => Times ?? Timing.Default;

    public override string ToString() =>
        $"ops: [{string.Join(", ", Ops.Select((o, i) => $"#{i + 1} {o} on instance {o.Instance}"))}]; choices: [{string.Join(",", Choices)}]; " +
        $"crash at steps: [{string.Join(",", Crashes)}]; clock jumps at steps: [{string.Join(",", Jumps)}]; {Timing}; block size {BlockSize}";
}

/// <summary>What happened to one request.</summary>
public sealed record Result(Op Op, Outcome? Outcome, Exception? Error, bool Crashed, int Started, int Ended);

/// <summary>
/// One store path, two session ids and a copy source, served by up to three instances (each its own object graph, as
/// separate processes would be) over one <see cref="InMemoryStore"/>, driven by a <see cref="Scheduler"/> and a
/// <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class World
{
    public const int FileSize = 24;
    public const int BlockSize = 4;

    /// <summary>The length of every piece: as a block size, each chunk is one block.</summary>
    public const int PieceSize = 8;
    public static readonly TimeSpan Expiry = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Jump = TimeSpan.FromMinutes(6);
    public static readonly TimeSpan ChunkTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The chunks a client may send: a split of the file, and one piece that overlaps two of them.</summary>
    public static readonly ByteRange[] Pieces = [new(0, 7), new(8, 15), new(16, 23), new(4, 11)];

    public static readonly StorePath Path = StorePath.Parse("app/file.bin");
    public static readonly StorePath Source = StorePath.Parse("src/other.bin");
    public static readonly byte[] SourceBytes = [.. Enumerable.Range(100, 11).Select(i => (byte)i)];
    public static readonly byte[] UploadBytes = [.. Enumerable.Range(200, 13).Select(i => (byte)i)];

    public World(Timing? timing = null, int blockSize = BlockSize)
    {
        Assert.All(Pieces, p => Assert.Equal(PieceSize, p.Length));
        Timing = timing ?? Timing.Default;
        Store = new InMemoryStore(Scheduler);
        Store.PutDirect(Source.Value, SourceBytes);
        Sessions = [Guid.NewGuid(), Guid.NewGuid()];
        Files = [Bytes(1), Bytes(2)];
        Instances = [.. Enumerable.Range(0, 3).Select(i => new Instance(Store, new SkewedClock(Clock, Timing.Offsets[i]), Timing, blockSize))];
    }

    public Timing Timing { get; }

    /// <summary>How long a chunk of this world is received at most: its timeout, at most the longest receive.</summary>
    public TimeSpan ReceiveTime => Instances[0].Machine.Rules.ReceiveTime(Timing.ChunkTimeout);

    public Scheduler Scheduler { get; } = new();

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public InMemoryStore Store { get; }

    public Guid[] Sessions { get; }

    /// <summary>The file each session's owner uploads.</summary>
    public byte[][] Files { get; }

    public Instance[] Instances { get; }

    /// <summary>The stable identity of principal <paramref name="caller"/>, as the HTTP layer passes it.</summary>
    public static string Principal(int caller) => $"certificate:PRINCIPAL{caller}";

    public static byte[] Bytes(int seed)
    {
        var bytes = new byte[FileSize];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The bytes a chunk request carries.</summary>
    public (byte[] Body, byte[]? Md5, byte[] Meant) ChunkBody(Chunk chunk)
    {
        var range = Pieces[chunk.Piece];
        var good = Files[chunk.Session].AsSpan((int)range.First, (int)range.Length).ToArray();
        switch (chunk.Body)
        {
            case Body.Good:
                return (good, MD5.HashData(good), good);
            case Body.GoodNoMd5:
                return (good, null, good);
            case Body.Other:
                var other = good.Select(b => (byte)(b ^ 0x5A)).ToArray();
                return (other, null, other);
            case Body.Damaged:
                var damaged = good.ToArray();
                damaged[0] ^= 0xFF;
                return (damaged, MD5.HashData(good), damaged);
            default:
                return (good[..^1], null, good);
        }
    }

    public sealed class Instance
    {
        public Instance(InMemoryStore store, TimeProvider clock, Timing timing, int blockSize)
        {
            var rules = new SessionRules(blockSize, 1_000_000, timing.Expiry, TimeSpan.FromDays(7)) { MaxReceive = timing.MaxReceive };
            Machine = new SessionMachine(rules);
            var retry = ConflictRetry.Immediate;
            Sessions = new UploadSessions(store, store, store, new ChunkStreamer(store, BlockBufferPool.Unbounded()), Machine, retry, clock, NullLogger<UploadSessions>.Instance);
            Writes = new PathWrites(Sessions, store, retry, clock);
            Cleanup = new SessionCleanup(store, store, store, Sessions, Machine, clock, NullLogger<SessionCleanup>.Instance);
            var options = Microsoft.Extensions.Options.Options.Create(new ImageStoreOptions { BlockSize = 64 * 1024 });
            Uploads = new FileUploads(store, store, BlockBufferPool.Unbounded(), options, NullLogger<FileUploads>.Instance);
            Copies = new ContentCopies(store, store, Writes, NullLogger<ContentCopies>.Instance);
            Removal = new ContentRemoval(store, store, Sessions, Writes, NullLogger<ContentRemoval>.Instance);
        }

        public SessionMachine Machine { get; }

        public UploadSessions Sessions { get; }

        public PathWrites Writes { get; }

        public SessionCleanup Cleanup { get; }

        public FileUploads Uploads { get; }

        public ContentCopies Copies { get; }

        public ContentRemoval Removal { get; }
    }
}

/// <summary>An instance's clock: the shared <see cref="FakeTimeProvider"/> plus a fixed offset (timers run on the shared one).</summary>
public sealed class SkewedClock(FakeTimeProvider shared, TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => shared.GetUtcNow() + offset;

    public override long GetTimestamp() => shared.GetTimestamp();

    public override long TimestampFrequency => shared.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => shared.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        shared.CreateTimer(callback, state, dueTime, period);
}
