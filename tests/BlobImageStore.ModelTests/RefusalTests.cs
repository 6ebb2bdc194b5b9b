using System.Security.Cryptography;
using BlobImageStore.Content;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.ModelTests;

/// <summary>
/// Invariant 2, a refused request changes nothing, for the refusals that are decided before any write: the chunk size
/// rules and the content operations' own (issue 10: typed outcomes, worded by the HTTP layer's catalogue). Each is
/// returned as its outcome, with its numbers, and leaves no session record, no path claim and no file behind.
/// </summary>
public class RefusalTests
{
    private readonly World _world = new();

    private World.Instance Instance => _world.Instances[0];

    public static TheoryData<string, ContentRange, long?, Outcome> OutsideTheRules() => new()
    {
        { "chunk too large", new ContentRange(0, 1_000_000, 2_000_000), 1_000_001, new ChunkTooLarge(1_000_001, 1_000_000) },
        { "body length", new ContentRange(0, 3, 8), 5, new BodyLengthMismatch(new ContentRange(0, 3, 8), 5) },
        { "chunk too small", new ContentRange(0, 9, 1_000_000_000), 10, new ChunkTooSmall(new ContentRange(0, 9, 1_000_000_000), ChunkLayout.MinChunkSize(1_000_000_000)) },
    };

    [Theory]
    [MemberData(nameof(OutsideTheRules))]
    public async Task A_chunk_outside_the_size_rules_is_refused_before_its_body_is_read_and_changes_nothing(string name, ContentRange range, long? length, Outcome expected)
    {
        var path = StorePath.Parse("app/big.bin");
        var body = new CountingStream();

        var outcome = await Instance.Sessions.UploadChunkAsync(new ChunkRequest(path, Guid.NewGuid(), range, length, null), body, CancellationToken.None);

        Assert.Equal(expected, outcome);
        Assert.Equal(0, body.Reads);
        Assert.Empty(_world.Store.Records);
        Assert.Null(_world.Store.ClaimOf(path.Value));
        Assert.Empty(_world.Store.BlocksDirect(path.Value));
        Assert.False(outcome.Succeeded, name);
    }

    [Fact]
    public async Task A_copy_onto_or_into_its_source_is_refused_and_takes_no_claim()
    {
        var inside = StorePath.Parse(World.Source.Value + "/copy");

        Assert.Equal(new CopyIntoSource(World.Source, World.Source), (await Copy(World.Source, World.Source)).Refusal);
        Assert.Equal(new CopyIntoSource(World.Source, inside), (await Copy(World.Source, inside)).Refusal);
        Assert.Null(_world.Store.ClaimOf(World.Source.Value));
        Assert.Null(_world.Store.ClaimOf(inside.Value));
        Assert.Equal([World.Source.Value], _world.Store.Files);
    }

    [Fact]
    public async Task A_copy_of_nothing_is_refused_and_writes_nothing()
    {
        var missing = StorePath.Parse("src/none.bin");

        var result = await Copy(missing, World.Path);

        Assert.Equal(new CopySourceMissing(missing), result.Refusal);
        Assert.Null(result.Report);
        Assert.Null(_world.Store.ClaimOf(World.Path.Value));
        Assert.Null(_world.Store.Content(World.Path.Value));
    }

    [Fact]
    public async Task An_UploadFile_with_a_wrong_Content_MD5_is_refused_keeps_the_old_file_and_releases_its_claim()
    {
        _world.Store.PutDirect(World.Path.Value, [1, 2, 3]);
        FileUploadResult? uploaded = null;
        var wrong = MD5.HashData([9]);

        var refusal = await Instance.Writes.RunAsync(World.Path, WriteAction.UploadFile,
            async (lease, ct) => uploaded = await Instance.Uploads.UploadAsync(World.Path, new MemoryStream(World.UploadBytes), World.UploadBytes.Length, wrong, lease, ct),
            CancellationToken.None);

        Assert.Null(refusal);
        var refused = Assert.IsType<UploadMd5Mismatch>(uploaded!.Refusal);
        Assert.Equal(wrong, refused.Expected);
        Assert.Equal(MD5.HashData(World.UploadBytes), refused.Actual);
        Assert.Equal([1, 2, 3], _world.Store.Content(World.Path.Value));
        Assert.Null(_world.Store.ClaimOf(World.Path.Value));
    }

    private Task<CopyResult> Copy(StorePath source, StorePath destination) =>
        Instance.Copies.CopyAsync(new CopyRequest(source, destination, [], false), CancellationToken.None);

    /// <summary>A body that counts its reads.</summary>
    private sealed class CountingStream : MemoryStream
    {
        public int Reads { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            return base.Read(buffer, offset, count);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            return base.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Reads++;
            return base.ReadAsync(buffer, offset, count, cancellationToken);
        }
    }
}
