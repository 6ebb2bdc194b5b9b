using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

public class ChunkLayoutTests
{
    private static readonly ChunkLayout Layout = new(BlockSize: 4 * 1024 * 1024, MaxChunkSize: 100_000_000);

    [Fact]
    public void A_chunk_is_cut_into_blocks_at_their_absolute_offsets()
    {
        var blocks = new ChunkLayout(10, 1000).Blocks(new ByteRange(5, 29)).ToList();

        Assert.Equal([(5L, 10), (15L, 10), (25L, 5)], blocks);
    }

    [Fact]
    public void Chunks_over_the_maximum_are_too_large()
    {
        Assert.Equal(new ChunkTooLarge(100_000_001, 100_000_000), Layout.Check(new ContentRange(0, 100_000_000, 200_000_000), null));
    }

    [Fact]
    public void A_content_length_other_than_the_range_is_refused()
    {
        var range = new ContentRange(0, 9, 100);

        Assert.Equal(new BodyLengthMismatch(range, 11), Layout.Check(range, 11));
        Assert.Null(Layout.Check(range, 10));
    }

    [Fact]
    public void Files_beyond_the_block_limit_are_too_large()
    {
        Assert.Equal(new FileTooLarge(Layout.MaxFileSize + 1, Layout.MaxFileSize, Layout.BlockSize),
            Layout.Check(new ContentRange(0, 0, Layout.MaxFileSize + 1), 1));
    }

    [Fact]
    public void Tiny_chunks_of_a_large_file_are_refused_except_the_last()
    {
        const long size = 1_000_000_000;
        var min = ChunkLayout.MinChunkSize(size);

        var small = new ContentRange(0, min - 2, size);
        Assert.Equal(new ChunkTooSmall(small, min), Layout.Check(small, null));
        Assert.Null(Layout.Check(new ContentRange(0, min - 1, size), null));
        Assert.Null(Layout.Check(new ContentRange(size - 1, size - 1, size), null));
        Assert.Null(Layout.Check(new ContentRange(0, 0, 0), 0)); // the empty file's one chunk
    }

    [Fact]
    public void The_limits_keep_any_file_within_Azures_committed_block_limit()
    {
        // Worst case: the largest file, every chunk as small as allowed, each chunk costing one extra partial block.
        var size = Layout.MaxFileSize;
        var chunks = (size + ChunkLayout.MinChunkSize(size) - 1) / ChunkLayout.MinChunkSize(size);
        var blocks = size / Layout.BlockSize + chunks;

        Assert.True(blocks <= ChunkLayout.AzureMaxCommittedBlocks, $"{blocks} blocks");
    }

    [Fact]
    public void A_sessions_block_size_grows_with_its_file_so_any_file_the_chunk_rule_allows_fits_Azures_block_limit()
    {
        var rules = new SessionRules(4 * 1024 * 1024, 100_000_000, TimeSpan.FromMinutes(30), TimeSpan.FromDays(7));
        CsCheck.Check.Sample(CsCheck.Gen.Long[1, 25_000L * 100_000_000], size =>
        {
            var layout = rules.LayoutFor(size);
            Assert.True(layout.BlockSize >= rules.BlockSize);
            Assert.True(size <= layout.MaxFileSize, $"{size} bytes refused with blocks of {layout.BlockSize}");

            // Worst case: every chunk as small as allowed, each costing one partial block.
            var chunks = (size + ChunkLayout.MinChunkSize(size) - 1) / ChunkLayout.MinChunkSize(size);
            Assert.True(size / layout.BlockSize + chunks <= ChunkLayout.AzureMaxCommittedBlocks);
        });

        Assert.Equal(rules.BlockSize, rules.BlockSizeFor(24_999L * rules.BlockSize));
        Assert.Equal(5 * 1024 * 1024, rules.BlockSizeFor(101L * 1024 * 1024 * 1024));
    }
}
