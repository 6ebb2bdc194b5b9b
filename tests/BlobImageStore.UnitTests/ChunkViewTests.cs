using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

/// <summary>What counts as received, from a block list alone.</summary>
public class ChunkViewTests
{
    private const ulong Key = 42;

    private static readonly DateTimeOffset ConfirmBy = new(2026, 12, 3, 17, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    private static StagedBlock Block(BlockKind kind, long first, long last, long offset, long size, long nonce, byte seed = 0) =>
        new(new BlockId(kind, Key, first, last, offset, nonce, kind is BlockKind.Final or BlockKind.Confirm ? ChunkDigest.Of([seed], ChunkLayout.MaxBlockSize) : default, ConfirmBy).Encode(), size, false);

    /// <summary>A whole chunk of one attempt: blocks of 4 bytes, the last one final, then (unless not) its confirm marker.</summary>
    private static IEnumerable<StagedBlock> Chunk(long first, long last, long nonce, byte seed = 0, bool confirmed = true)
    {
        for (var offset = first; offset <= last; offset += 4)
        {
            var size = Math.Min(4, last - offset + 1);
            yield return Block(offset + size > last ? BlockKind.Final : BlockKind.Data, first, last, offset, size, nonce, seed);
        }

        if (confirmed)
        {
            yield return Block(BlockKind.Confirm, first, last, first, 1, nonce, seed);
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
        var cut = Chunk(0, 9, 1, confirmed: false).SkipLast(1).Append(Block(BlockKind.Confirm, 0, 9, 0, 1, 1)); // even if "confirmed"
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
        Assert.Equal(Chunk(0, 9, 3, confirmed: false).Concat(Chunk(10, 19, 4, seed: 1, confirmed: false)).Select(b => b.Name), order);
    }

    [Theory]
    [InlineData(10, 19, 2)] // the same range with other bytes
    [InlineData(15, 24, 1)] // an overlapping range
    public void Conflicting_complete_chunks_count_for_nothing_and_are_expected_again(long first, long last, byte seed)
    {
        var view = ChunkView.From([.. Chunk(0, 9, 1), .. Chunk(10, 19, 2, seed: 1), .. Chunk(first, last, 3, seed)], Key, 30);

        Assert.Equal(2, view.Conflicted.Count);
        Assert.Equal([new ByteRange(0, 9)], view.Received);
        Assert.True(view.Contests(new ByteRange(first, last), 3, ChunkDigest.Of([seed], ChunkLayout.MaxBlockSize)));
        Assert.Null(view.CommitOrder());
    }

    [Fact]
    public void A_complete_copy_counts_only_once_confirmed_but_holds_its_range_against_other_bytes_until_then()
    {
        var view = ChunkView.From([.. Chunk(0, 9, 1), .. Chunk(10, 19, 2, seed: 1, confirmed: false)], Key, 20, ConfirmBy, Skew);

        Assert.Equal([new ByteRange(0, 9)], view.Received);
        Assert.Equal([new ByteRange(10, 19)], view.Missing);
        Assert.Single(view.Pending);
        Assert.Empty(view.Exactly(new ByteRange(10, 19)));
        Assert.True(view.Contests(new ByteRange(10, 19), 3, ChunkDigest.Of([9], ChunkLayout.MaxBlockSize)));   // other bytes: held off
        Assert.False(view.Contests(new ByteRange(10, 19), 3, ChunkDigest.Of([1], ChunkLayout.MaxBlockSize)));  // the same bytes: an equal copy
        Assert.Equal([new ByteRange(12, 19)], view.Overlap(new ByteRange(12, 21)));
        Assert.Empty(view.Overlap(new ByteRange(10, 19)));                            // its own range: a retry, not an overlap
        Assert.Null(view.CommitOrder());
    }

    [Fact]
    public void An_unconfirmed_copy_is_dead_once_the_list_was_read_after_its_confirm_by_time_plus_the_clock_skew()
    {
        var blocks = Chunk(10, 19, 2, seed: 1, confirmed: false).ToList();

        var atTheEdge = ChunkView.From(blocks, Key, 20, ConfirmBy + Skew, Skew);
        var after = ChunkView.From(blocks, Key, 20, ConfirmBy + Skew + TimeSpan.FromSeconds(1), Skew);

        Assert.Single(atTheEdge.Pending);
        Assert.Empty(atTheEdge.DeadConflicting(new ByteRange(10, 19), ChunkDigest.Of([9], ChunkLayout.MaxBlockSize)));
        Assert.Empty(after.Pending);
        Assert.False(after.Contests(new ByteRange(10, 19), 3, ChunkDigest.Of([9], ChunkLayout.MaxBlockSize)));
        Assert.Single(after.DeadConflicting(new ByteRange(10, 19), ChunkDigest.Of([9], ChunkLayout.MaxBlockSize)));
        Assert.Empty(after.DeadConflicting(new ByteRange(10, 19), ChunkDigest.Of([1], ChunkLayout.MaxBlockSize)));
        Assert.Empty(after.Received);
    }

    [Fact]
    public void An_abandoned_attempt_never_counts_even_when_its_confirmation_landed()
    {
        var view = ChunkView.From([.. Chunk(0, 9, 1), .. Chunk(10, 19, 2)], Key, 20, abandoned: [new AttemptRef(10, 19, 2)]);

        Assert.Equal([new ByteRange(0, 9)], view.Received);
        Assert.DoesNotContain(view.Complete, c => c.Range.First == 10);
    }

    [Fact]
    public void Complete_copies_of_protocol_version_2_count_as_confirmed()
    {
        static string V2(BlockKind kind, long offset, ChunkDigest digest)
        {
            var raw = new byte[BlockId.RawLength];
            raw[0] = 2;
            raw[1] = (byte)kind;
            raw[9] = (byte)Key;
            raw[21] = 9;
            raw[27] = (byte)offset;
            raw[32] = 1;
            digest.CopyTo(raw.AsSpan(33, 12));
            return Convert.ToBase64String(raw);
        }

        var view = ChunkView.From([new(V2(BlockKind.Data, 0, default), 5, false), new(V2(BlockKind.Final, 5, ChunkDigest.Of([1], ChunkLayout.MaxBlockSize)), 5, false)], Key, 10);

        Assert.Equal([new ByteRange(0, 9)], view.Received);
        Assert.Equal([V2(BlockKind.Data, 0, default), V2(BlockKind.Final, 5, ChunkDigest.Of([1], ChunkLayout.MaxBlockSize))], view.CommitOrder());
    }
}
