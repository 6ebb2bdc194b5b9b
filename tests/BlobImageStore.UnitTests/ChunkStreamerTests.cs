using System.Security.Cryptography;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;

namespace BlobImageStore.UnitTests;

/// <summary>
/// What <see cref="ChunkStreamer"/> hashes and what it leaves to the store: a chunk of one block with a Content-MD5 is
/// checked by the store against the client's MD5 (end to end), any other chunk by an MD5 computed here; the digest in the
/// final block ID is the chunk's MD5 either way, and a refused body stages no final block.
/// </summary>
public class ChunkStreamerTests
{
    private const int BlockSize = 16;
    private static readonly StorePath Path = StorePath.Parse("app/file.bin");
    private static readonly ChunkLayout Layout = new(BlockSize, 1_000);

    [Fact]
    public async Task A_chunk_of_one_block_with_a_Content_MD5_goes_to_the_store_with_that_MD5_which_is_also_its_digest()
    {
        var store = new CheckingStore();
        var chunk = Bytes(BlockSize);
        var md5 = MD5.HashData(chunk);

        var read = await ReadAsync(store, chunk, md5);

        Assert.Null(read.Refusal);
        Assert.Equal(ChunkDigest.From(md5), read.Digest);
        var (id, bytes, checksum) = Assert.Single(store.Staged);
        Assert.Same(md5, checksum); // the client's own array: nothing here computed another
        Assert.Equal(chunk, bytes);
        Assert.True(BlockId.TryDecode(id, out var block));
        Assert.Equal((BlockKind.Final, read.Digest), (block.Kind, block.Digest));
    }

    [Fact]
    public async Task A_wrong_Content_MD5_on_a_chunk_of_one_block_is_refused_by_the_store_and_nothing_is_staged()
    {
        var store = new CheckingStore();
        var chunk = Bytes(BlockSize);

        var read = await ReadAsync(store, chunk, MD5.HashData(Bytes(BlockSize, seed: 2)));

        Assert.IsType<Md5Mismatch>(read.Refusal);
        Assert.Equal(1, store.Refused);
        Assert.Empty(store.Staged);
    }

    [Fact]
    public async Task A_chunk_without_Content_MD5_gets_its_own_MD5_as_block_checksum_and_digest()
    {
        var store = new CheckingStore();
        var chunk = Bytes(BlockSize - 3);

        var read = await ReadAsync(store, chunk, null);

        Assert.Equal(ChunkDigest.Of(chunk, BlockSize), read.Digest);
        Assert.Equal(MD5.HashData(chunk), Assert.Single(store.Staged).Md5);
    }

    [Theory]
    [InlineData("right")]
    [InlineData("wrong")]
    [InlineData("none")]
    public async Task A_chunk_of_several_blocks_is_hashed_here_once_per_block_and_once_more_for_a_Content_MD5(string contentMd5)
    {
        var store = new CheckingStore();
        var chunk = Bytes((3 * BlockSize) + 5);
        var md5 = contentMd5 switch { "right" => MD5.HashData(chunk), "wrong" => MD5.HashData(chunk[1..]), _ => null };

        var read = await ReadAsync(store, chunk, md5);

        Assert.Equal(0, store.Refused);
        if (contentMd5 == "wrong")
        {
            // Refused here, before the final block: the data blocks staged never count without it.
            Assert.IsType<Md5Mismatch>(read.Refusal);
            Assert.DoesNotContain(store.Staged, s => BlockId.TryDecode(s.Id, out var b) && b.Kind == BlockKind.Final);
            return;
        }

        // The digest is the MD5 over the blocks' MD5s, the hashes they were staged with.
        var blockMd5s = store.Staged.SelectMany(s => s.Md5).ToArray();
        Assert.Equal(ChunkDigest.From(MD5.HashData(blockMd5s)), read.Digest);
        Assert.Equal(ChunkDigest.Of(chunk, BlockSize), read.Digest);
        Assert.Equal(4, store.Staged.Count);
        Assert.All(store.Staged, s => Assert.Equal(MD5.HashData(s.Bytes), s.Md5));
        Assert.Equal(chunk, store.Staged.SelectMany(s => s.Bytes));
    }

    [Fact]
    public async Task A_re_send_is_checked_here_against_its_Content_MD5_and_can_be_hashed_as_older_versions_did()
    {
        var chunk = Bytes(BlockSize);
        var streamer = new ChunkStreamer(new CheckingStore(), BlockBufferPool.Unbounded());
        var range = new ContentRange(0, chunk.Length - 1, chunk.Length);

        var wrong = await streamer.ReadAsync(range, MD5.HashData(Bytes(BlockSize, seed: 2)), Layout, new MemoryStream(chunk), null, sha256: false, default);
        var right = await streamer.ReadAsync(range, MD5.HashData(chunk), Layout, new MemoryStream(chunk), null, sha256: true, default);

        Assert.IsType<Md5Mismatch>(wrong.Refusal);
        Assert.Equal((ChunkDigest.Of(chunk, BlockSize), ChunkDigest.OfSha256(chunk)), (right.Digest, right.Sha256));
    }

    private static Task<ChunkRead> ReadAsync(CheckingStore store, byte[] chunk, byte[]? contentMd5)
    {
        var streamer = new ChunkStreamer(store, BlockBufferPool.Unbounded());
        var target = new ChunkTarget(Path, 42, 7, DateTimeOffset.UnixEpoch.AddDays(20_000));
        return streamer.ReadAsync(new ContentRange(0, chunk.Length - 1, chunk.Length), contentMd5, Layout, new MemoryStream(chunk), target, sha256: false, default);
    }

    private static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Put Block as Azure does it: the bytes must match the MD5 sent with them, else nothing is staged.</summary>
    private sealed class CheckingStore : IBlockStaging
    {
        public List<(string Id, byte[] Bytes, byte[] Md5)> Staged { get; } = [];

        public int Refused { get; private set; }

        public Task<bool> StageAsync(StorePath path, string blockId, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken)
        {
            lock (Staged)
            {
                if (!MD5.HashData(content.Span).AsSpan().SequenceEqual(md5))
                {
                    Refused++;
                    return Task.FromResult(false);
                }

                Staged.Add((blockId, content.ToArray(), md5));
                return Task.FromResult(true);
            }
        }

        public Task<IReadOnlyList<StagedBlock>> GetBlocksAsync(StorePath path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> TryCommitAsync(StorePath path, IReadOnlyList<string> blockIds, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
