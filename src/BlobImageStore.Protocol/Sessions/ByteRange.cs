using System.Globalization;

namespace BlobImageStore.Sessions;

/// <summary>An inclusive byte range <c>[First, Last]</c>, as Service Fabric's <c>UploadChunkRange</c> (the
/// <c>ExpectedRanges</c> of an upload session) and <c>Content-Range</c> use.</summary>
/// <param name="First">Offset of the first byte.</param>
/// <param name="Last">Offset of the last byte (inclusive).</param>
public readonly record struct ByteRange(long First, long Last)
{
    /// <summary>Bytes in the range.</summary>
    public long Length => Last - First + 1;

    /// <summary>True when the two ranges share a byte.</summary>
    /// <param name="other">The other range.</param>
    /// <returns>Whether they overlap.</returns>
    public bool Overlaps(ByteRange other) => First <= other.Last && other.First <= Last;

    /// <summary><c>First-Last</c>.</summary>
    /// <returns>The range as the protocol writes it.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{First}-{Last}");

    /// <summary>Merges ranges into sorted, disjoint, non-adjacent ranges.</summary>
    /// <param name="ranges">Ranges in any order, overlapping or not.</param>
    /// <returns>The merged ranges.</returns>
    public static List<ByteRange> Merge(IEnumerable<ByteRange> ranges)
    {
        var merged = new List<ByteRange>();
        foreach (var r in ranges.OrderBy(r => r.First))
        {
            if (merged.Count > 0 && r.First <= merged[^1].Last + 1)
            {
                var last = merged[^1];
                merged[^1] = last with { Last = Math.Max(last.Last, r.Last) };
            }
            else
            {
                merged.Add(r);
            }
        }

        return merged;
    }

    /// <summary>The parts of <c>[0, length-1]</c> that the merged ranges do not cover.</summary>
    /// <param name="merged">Ranges as <see cref="Merge"/> returns them.</param>
    /// <param name="length">Bytes in the whole file.</param>
    /// <returns>The gaps, in order.</returns>
    public static List<ByteRange> Gaps(IReadOnlyList<ByteRange> merged, long length)
    {
        var gaps = new List<ByteRange>();
        var next = 0L;
        foreach (var r in merged)
        {
            if (r.First > next)
            {
                gaps.Add(new ByteRange(next, r.First - 1));
            }

            next = Math.Max(next, r.Last + 1);
        }

        if (next < length)
        {
            gaps.Add(new ByteRange(next, length - 1));
        }

        return gaps;
    }

    /// <summary>The parts of <paramref name="range"/> that the merged ranges cover.</summary>
    /// <param name="merged">Ranges as <see cref="Merge"/> returns them.</param>
    /// <param name="range">The range to intersect with.</param>
    /// <returns>The covered parts, in order.</returns>
    public static List<ByteRange> Intersections(IReadOnlyList<ByteRange> merged, ByteRange range) =>
        merged.Where(r => r.Overlaps(range))
            .Select(r => new ByteRange(Math.Max(r.First, range.First), Math.Min(r.Last, range.Last)))
            .ToList();
}
