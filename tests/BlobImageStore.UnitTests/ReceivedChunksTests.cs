using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

public class ReceivedChunksTests
{
    [Fact]
    public void Added_chunks_merge_with_their_neighbours_and_report_overlaps()
    {
        var chunks = new ReceivedChunks([new(0, 9)]);
        chunks.Add(new ByteRange(20, 29));
        chunks.Add(new ByteRange(10, 19));
        chunks.Add(new ByteRange(50, 59));

        Assert.Equal([new ByteRange(5, 29)], chunks.Overlap(new ByteRange(5, 35)));
        Assert.Equal([new ByteRange(25, 29), new ByteRange(50, 52)], chunks.Overlap(new ByteRange(25, 52)));
        Assert.Empty(chunks.Overlap(new ByteRange(30, 49)));
        Assert.True(chunks.Contains(new ByteRange(10, 19)));
        Assert.False(chunks.Contains(new ByteRange(0, 19)));
    }

    [Fact]
    public void Matches_the_merge_of_a_random_set_of_disjoint_chunks()
    {
        var random = new Random(7);
        var all = Enumerable.Range(0, 500).Select(i => new ByteRange(i * 10L, i * 10L + 9)).ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(all));
        var chunks = new ReceivedChunks([]);
        var added = new List<ByteRange>();
        foreach (var chunk in all.Take(300))
        {
            chunks.Add(chunk);
            added.Add(chunk);
        }

        var merged = ByteRange.Merge(added);
        for (var probe = 0L; probe < 5000; probe += 37)
        {
            var range = new ByteRange(probe, probe + 55);
            Assert.Equal(ByteRange.Intersections(merged, range), chunks.Overlap(range));
        }
    }

    [Fact]
    public void The_cache_keys_by_session_and_incarnation()
    {
        using var cache = new ReceivedChunkCache();
        var session = Guid.NewGuid();
        var staged = StagedChunks.FromBlocks([], session, 1, 100);

        cache.Remember(session, 1, staged).Add(new ByteRange(0, 9));

        Assert.NotNull(cache.Get(session, 1));
        Assert.True(cache.Get(session, 1)!.Contains(new ByteRange(0, 9)));
        Assert.Null(cache.Get(session, 2));
    }
}
