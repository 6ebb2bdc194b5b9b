using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

public class StagedChunksTests
{
    private static readonly Guid Session = Guid.NewGuid();
    private const uint Incarnation = 7;

    /// <summary>The blocks <see cref="ChunkLayout"/> stages for a chunk, as Get Block List would list them.</summary>
    private static IEnumerable<StagedBlock> Chunk(long first, long last, int blockSize = 10, uint incarnation = Incarnation, Guid? session = null, bool committed = false, bool withoutFinal = false)
    {
        var blocks = new ChunkLayout(blockSize, long.MaxValue).Blocks(new ByteRange(first, last)).ToList();
        if (withoutFinal)
        {
            blocks.RemoveAt(blocks.Count - 1);
        }

        return blocks.Select(b => new StagedBlock(new BlockId(session ?? Session, incarnation, first, last, b.Offset).Encode(), b.Length, committed));
    }

    private static StagedChunks View(long size, params IEnumerable<StagedBlock>[] chunks) =>
        StagedChunks.FromBlocks(chunks.SelectMany(c => c), Session, Incarnation, size);

    [Fact]
    public void A_new_session_misses_the_whole_file()
    {
        Assert.Equal([new ByteRange(0, 99)], View(100).Missing);
    }

    [Fact]
    public void Chunks_in_any_order_leave_the_gaps_between_them_missing()
    {
        var view = View(100, Chunk(70, 99), Chunk(0, 24));

        Assert.Equal([new ByteRange(25, 69)], view.Missing);
        Assert.Equal(55, view.ReceivedBytes);
    }

    [Fact]
    public void A_chunk_whose_final_block_is_missing_counts_as_not_received()
    {
        var view = View(100, Chunk(0, 49, withoutFinal: true), Chunk(50, 99));

        Assert.Equal([new ByteRange(0, 49)], view.Missing);
        Assert.Null(view.CommitOrder());
    }

    [Fact]
    public void Blocks_of_other_sessions_or_incarnations_are_ignored()
    {
        var view = View(100, Chunk(0, 49, incarnation: 6), Chunk(0, 49, session: Guid.NewGuid()), Chunk(50, 99));

        Assert.Equal([new ByteRange(0, 49)], view.Missing);
    }

    [Fact]
    public void Foreign_block_ids_are_ignored()
    {
        var view = StagedChunks.FromBlocks([new StagedBlock("Zm9yZWlnbg==", 100, true)], Session, Incarnation, 100);

        Assert.Equal([new ByteRange(0, 99)], view.Missing);
    }

    [Fact]
    public void Commit_order_is_every_block_in_file_order()
    {
        var view = View(35, Chunk(20, 34), Chunk(0, 19));

        var order = view.CommitOrder();

        Assert.NotNull(order);
        var offsets = order.Select(n => BlockId.TryDecode(n, out var id) ? id.Offset : -1);
        Assert.Equal([0L, 10, 20, 30], offsets);
    }

    [Fact]
    public void Committed_blocks_still_count_so_a_repeated_commit_after_a_crash_finds_the_file_complete()
    {
        var view = View(30, Chunk(0, 29, committed: true));

        Assert.Empty(view.Missing);
        Assert.Equal(3, view.CommitOrder()!.Count);
    }

    [Fact]
    public void A_block_listed_committed_and_uncommitted_is_counted_once()
    {
        var view = View(20, Chunk(0, 19, committed: true), Chunk(0, 19));

        Assert.Equal(2, view.CommitOrder()!.Count);
    }

    [Fact]
    public void An_exact_resend_is_recognised_but_a_different_chunk_over_the_same_bytes_is_not()
    {
        var view = View(100, Chunk(0, 49));

        Assert.True(view.HasChunk(new ByteRange(0, 49)));
        Assert.False(view.HasChunk(new ByteRange(0, 39)));
        Assert.False(view.HasChunk(new ByteRange(10, 49)));
    }

    [Fact]
    public void Racing_overlapping_chunks_commit_through_a_clean_chain_when_there_is_one()
    {
        // 0-49 and 0-29 raced; 30-49 and 50-99 complete a chain either way.
        var view = View(100, Chunk(0, 49), Chunk(0, 29), Chunk(50, 99));

        var order = view.CommitOrder();

        Assert.NotNull(order);
        Assert.Equal(new ByteRange(0, 99), new ByteRange(0, order.Select(n => { BlockId.TryDecode(n, out var id); return id; }).Max(i => i.ChunkLast)));
        Assert.Equal([new ByteRange(0, 29)], view.Overlaps());
    }

    [Fact]
    public void Overlapping_chunks_without_a_chain_cannot_commit_and_the_overlap_is_named()
    {
        var view = View(100, Chunk(0, 59), Chunk(40, 99));

        Assert.Empty(view.Missing);
        Assert.Null(view.CommitOrder());
        Assert.Equal([new ByteRange(40, 59)], view.Overlaps());
    }

    [Fact]
    public void The_chain_search_backtracks_from_a_dead_end()
    {
        // From 0 the longest chunk (0-59) leads to 60, where nothing starts; 0-29 then 30-99 works.
        var view = View(100, Chunk(0, 59), Chunk(0, 29), Chunk(30, 99));

        var order = view.CommitOrder();

        Assert.NotNull(order);
        Assert.Equal(10, order.Count);
    }

    [Fact]
    public void Ten_thousand_chunks_chain_without_deep_recursion()
    {
        var chunks = Enumerable.Range(0, 10_000).Select(i => Chunk(i * 10L, i * 10L + 9)).ToArray();

        var view = View(100_000, chunks);

        Assert.Equal(10_000, view.CommitOrder()!.Count);
    }

    [Fact]
    public void The_empty_file_commits_with_no_blocks()
    {
        Assert.Equal([], View(0).CommitOrder());
        Assert.Empty(View(0).Missing);
    }
}
