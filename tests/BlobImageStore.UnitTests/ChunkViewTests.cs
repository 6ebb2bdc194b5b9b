using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

/// <summary>What counts as received, from a block list alone.</summary>
public class ChunkViewTests
{
    private const ulong Key = 42;

    private static StagedBlock Block(BlockKind kind, long first, long last, long offset, long size, long nonce, byte seed = 0) =>
        new(new BlockId(kind, Key, first, last, offset, nonce, kind == BlockKind.Final ? ChunkDigest.Of([seed]) : default).Encode(), size, false);

    /// <summary>A whole chunk of one attempt: blocks of 4 bytes, the last one final.</summary>
    private static IEnumerable<StagedBlock> Chunk(long first, long last, long nonce, byte seed = 0)
    {
        for (var offset = first; offset <= last; offset += 4)
        {
            var size = Math.Min(4, last - offset + 1);
            yield return Block(offset + size > last ? BlockKind.Final : BlockKind.Data, first, last, offset, size, nonce, seed);
        }
    }

    [Fact]
    public void Whole_chunks_count_and_the_rest_is_missing()
    {
        var view = ChunkView.From([.. Chunk(0, 9, 1), .. Chunk(20, 29, 2)], Key, 40);

        Assert.Equal([new ByteRange(0, 9), new ByteRange(20, 29)], view.Received);
        Assert.Equal([new ByteRange(10, 19), new ByteRange(30, 39)], view.Missing);
        Assert.Null(view.CommitOrder());
    }

    [Fact]
    public void A_chunk_without_its_final_block_or_with_a_void_marker_does_not_count()
    {
        var cut = Chunk(0, 9, 1).SkipLast(1);
        var voided = Chunk(10, 19, 2).Append(Block(BlockKind.Void, 10, 19, 10, 1, 2));

        var view = ChunkView.From([.. cut, .. voided], Key, 20);

        Assert.Empty(view.Complete);
        Assert.Equal([new ByteRange(0, 19)], view.Missing);
    }

    [Fact]
    public void Blocks_of_another_session_key_never_count()
    {
        var other = Chunk(0, 9, 1).Select(b => b with { Name = b.Name.Replace(b.Name, new BlockId(BlockKind.Final, 7, 0, 9, 0, 1, default).Encode()) });

        Assert.Empty(ChunkView.From(other, Key, 10).Complete);
    }

    [Fact]
    public void Equal_copies_of_a_range_are_one_and_commit_in_file_order()
    {
        var view = ChunkView.From([.. Chunk(10, 19, 5, seed: 1), .. Chunk(0, 9, 3), .. Chunk(10, 19, 4, seed: 1)], Key, 20);

        var order = view.CommitOrder();

        Assert.NotNull(order);
        Assert.Equal(6, order.Count);
        Assert.Equal(Chunk(0, 9, 3).Concat(Chunk(10, 19, 4, seed: 1)).Select(b => b.Name), order);
    }

    [Theory]
    [InlineData(10, 19, 2)] // the same range with other bytes
    [InlineData(15, 24, 1)] // an overlapping range
    public void Conflicting_complete_chunks_count_for_nothing_and_are_expected_again(long first, long last, byte seed)
    {
        var view = ChunkView.From([.. Chunk(0, 9, 1), .. Chunk(10, 19, 2, seed: 1), .. Chunk(first, last, 3, seed)], Key, 30);

        Assert.Equal(2, view.Conflicted.Count);
        Assert.Equal([new ByteRange(0, 9)], view.Received);
        Assert.True(view.Contests(new ByteRange(first, last), 3, ChunkDigest.Of([seed])));
        Assert.Null(view.CommitOrder());
    }
}
