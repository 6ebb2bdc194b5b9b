namespace BlobImageStore.Sessions;

/// <summary>A chunk whose blocks are all staged: its range, the attempt that staged it, its digest and block IDs in order.</summary>
public sealed record ReceivedChunk(ByteRange Range, long Nonce, ChunkDigest Digest, IReadOnlyList<string> BlockIds)
{
    /// <summary>Two complete chunks conflict when they overlap and are not the same bytes of the same range.</summary>
    public bool ConflictsWith(ReceivedChunk other) =>
        Range.Overlaps(other.Range) && !(Range == other.Range && Digest == other.Digest);
}

/// <summary>
/// What a session holds, computed from the blob's block list alone (never from a counter or a memory), so the answer
/// holds whatever crashed in between and is the same on every instance.
/// <list type="bullet">
/// <item>A chunk is <b>complete</b> when its attempt's blocks tile its range and its <see cref="BlockKind.Final"/> block
/// (staged only after the body was read and checked) is there, and its attempt was not voided.</item>
/// <item>Complete chunks that <b>conflict</b> (overlap without being the same bytes of the same range) count for
/// nothing: only a race of requests with different bytes, or a crash in the middle of one, leaves such pairs, and the
/// server cannot tell which one it acknowledged, so neither is committed and the range is expected again.</item>
/// <item>The other complete chunks are <b>counted</b>: they are disjoint (equal copies are one), their union is what was
/// received, and the commit is their blocks in file order.</item>
/// </list>
/// </summary>
public sealed class ChunkView
{
    private ChunkView(long fileSize, List<ReceivedChunk> complete)
    {
        FileSize = fileSize;
        Complete = complete;
        var conflicted = new HashSet<ReceivedChunk>();
        var sorted = complete.OrderBy(c => c.Range.First).ToList();
        for (var i = 0; i < sorted.Count; i++)
        {
            for (var j = i + 1; j < sorted.Count && sorted[j].Range.First <= sorted[i].Range.Last; j++)
            {
                if (sorted[i].ConflictsWith(sorted[j]))
                {
                    conflicted.Add(sorted[i]);
                    conflicted.Add(sorted[j]);
                }
            }
        }

        Conflicted = [.. conflicted];
        Counted = sorted.Where(c => !conflicted.Contains(c))
            .GroupBy(c => c.Range).Select(g => g.OrderBy(c => c.Nonce).First())
            .OrderBy(c => c.Range.First).ToList();
        Received = ByteRange.Merge(Counted.Select(c => c.Range));
        Missing = ByteRange.Gaps(Received, fileSize);
    }

    public long FileSize { get; }

    public IReadOnlyList<ReceivedChunk> Complete { get; }

    public IReadOnlyList<ReceivedChunk> Conflicted { get; }

    /// <summary>The chunks that count, disjoint, in file order.</summary>
    public IReadOnlyList<ReceivedChunk> Counted { get; }

    public IReadOnlyList<ByteRange> Received { get; }

    /// <summary>The bytes still missing: the session's <c>ExpectedRanges</c>.</summary>
    public IReadOnlyList<ByteRange> Missing { get; }

    public long ReceivedBytes => Received.Sum(r => r.Length);

    public static ChunkView From(IEnumerable<StagedBlock> blocks, ulong sessionKey, long fileSize)
    {
        // Put Block List resolves an ID to its uncommitted block first ("Latest"), so that one's size wins.
        var latest = new Dictionary<string, (BlockId Id, long Size, bool Committed)>();
        foreach (var block in blocks)
        {
            if (!BlockId.TryDecode(block.Name, out var id) || id.SessionKey != sessionKey)
            {
                continue;
            }

            if (!latest.TryGetValue(block.Name, out var seen) || (seen.Committed && !block.Committed))
            {
                latest[block.Name] = (id, block.Size, block.Committed);
            }
        }

        var voided = latest.Values.Where(b => b.Id.Kind == BlockKind.Void).Select(b => (b.Id.Chunk, b.Id.Nonce)).ToHashSet();
        var complete = new List<ReceivedChunk>();
        foreach (var attempt in latest.Values.Where(b => b.Id.Kind != BlockKind.Void).GroupBy(b => (b.Id.Chunk, b.Id.Nonce)))
        {
            var (range, nonce) = attempt.Key;
            if (voided.Contains((range, nonce)) || range.First < 0 || range.Last < range.First || range.Last >= fileSize)
            {
                continue;
            }

            var next = range.First;
            var names = new List<string>();
            ChunkDigest? digest = null;
            foreach (var b in attempt.OrderBy(b => b.Id.Offset))
            {
                if (b.Id.Offset != next || b.Size <= 0 || digest is not null)
                {
                    break;
                }

                names.Add(b.Id.Encode());
                next += b.Size;
                if (b.Id.Kind == BlockKind.Final)
                {
                    digest = b.Id.Digest;
                }
            }

            if (next == range.Last + 1 && digest is { } d)
            {
                complete.Add(new ReceivedChunk(range, nonce, d, names));
            }
        }

        return new ChunkView(fileSize, complete);
    }

    /// <summary>Complete chunks of exactly this range (counted or conflicted).</summary>
    public IReadOnlyList<ReceivedChunk> Exactly(ByteRange range) => Complete.Where(c => c.Range == range).ToList();

    /// <summary>The bytes of <paramref name="range"/> that complete chunks (counted or conflicted) already hold.</summary>
    public IReadOnlyList<ByteRange> Overlap(ByteRange range) =>
        ByteRange.Intersections(ByteRange.Merge(Complete.Select(c => c.Range)), range);

    /// <summary>True when another attempt's complete chunk conflicts with the one this attempt staged.</summary>
    public bool Contests(ByteRange range, long nonce, ChunkDigest digest)
    {
        var mine = new ReceivedChunk(range, nonce, digest, []);
        return Complete.Any(c => c.Nonce != nonce && c.ConflictsWith(mine));
    }

    /// <summary>The block IDs that make the file, in order; null when the counted chunks do not cover it.</summary>
    public IReadOnlyList<string>? CommitOrder() => Missing.Count == 0 ? Counted.SelectMany(c => c.BlockIds).ToList() : null;
}
