using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

public class ByteRangeTests
{
    [Fact]
    public void Merge_joins_overlapping_and_adjacent_ranges()
    {
        var merged = ByteRange.Merge([new(10, 19), new(0, 9), new(30, 39), new(35, 50), new(52, 60)]);

        Assert.Equal([new(0, 19), new(30, 50), new(52, 60)], merged);
    }

    [Fact]
    public void Gaps_of_nothing_received_is_the_whole_file_inclusive()
    {
        Assert.Equal([new ByteRange(0, 2097151)], ByteRange.Gaps([], 2097152));
    }

    [Fact]
    public void Gaps_lists_the_missing_inclusive_ranges_as_the_spec_example_does()
    {
        // The spec's GetUploadSessionById example: 2097152 bytes, 402129-730104 received.
        var gaps = ByteRange.Gaps([new(402129, 730104)], 2097152);

        Assert.Equal([new ByteRange(0, 402128), new ByteRange(730105, 2097151)], gaps);
    }

    [Fact]
    public void Gaps_of_a_complete_or_empty_file_are_none()
    {
        Assert.Empty(ByteRange.Gaps([new(0, 99)], 100));
        Assert.Empty(ByteRange.Gaps([], 0));
    }

    [Fact]
    public void Intersections_name_the_overlapping_bytes()
    {
        var hits = ByteRange.Intersections([new(0, 99), new(200, 299)], new ByteRange(50, 249));

        Assert.Equal([new ByteRange(50, 99), new ByteRange(200, 249)], hits);
    }
}
