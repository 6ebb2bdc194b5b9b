namespace BlobImageStore.Sessions;

/// <summary>
/// What a session has received, computed from the blocks actually on the blob (never from a counter), so the
/// answer holds whatever crashed in between.
/// <para>
/// A chunk counts as received only when its blocks tile it completely, final block included. The final block is
/// staged last, after the body was read to its end and checked, so the leftovers of a chunk that failed half-way
/// (short body, wrong MD5, dropped connection, killed server) are never counted; a commit leaves them out and
/// Azure discards them.
/// </para>
/// </summary>
public sealed class StagedChunks
{
    private readonly Dictionary<long, List<ReceivedChunk>> _byFirst;

    private StagedChunks(List<ReceivedChunk> chunks, long fileSize)
    {
        Chunks = chunks;
        FileSize = fileSize;
        Received = ByteRange.Merge(chunks.Select(c => c.Range));
        Missing = ByteRange.Gaps(Received, fileSize);
        _byFirst = chunks.GroupBy(c => c.Range.First).ToDictionary(g => g.Key, g => g.ToList());
    }

    public long FileSize { get; }

    /// <summary>Every complete chunk, in file order.</summary>
    public IReadOnlyList<ReceivedChunk> Chunks { get; }

    /// <summary>The received bytes, merged.</summary>
    public IReadOnlyList<ByteRange> Received { get; }

    /// <summary>The bytes still missing: the session's <c>ExpectedRanges</c>.</summary>
    public IReadOnlyList<ByteRange> Missing { get; }

    public long ReceivedBytes => Received.Sum(r => r.Length);

    /// <summary>Builds the view from a Get Block List answer (committed and uncommitted blocks).</summary>
    public static StagedChunks FromBlocks(IEnumerable<StagedBlock> blocks, Guid sessionId, uint incarnation, long fileSize)
    {
        // Put Block List resolves an ID to its uncommitted block first ("Latest"), so that one's size wins.
        var latest = new Dictionary<string, (BlockId Id, long Size, bool Committed)>();
        foreach (var block in blocks)
        {
            if (!BlockId.TryDecode(block.Name, out var id) || id.SessionId != sessionId || id.Incarnation != incarnation)
            {
                continue;
            }

            if (!latest.TryGetValue(block.Name, out var seen) || (seen.Committed && !block.Committed))
            {
                latest[block.Name] = (id, block.Size, block.Committed);
            }
        }

        var chunks = new List<ReceivedChunk>();
        foreach (var group in latest.Values.GroupBy(b => (b.Id.ChunkFirst, b.Id.ChunkLast)))
        {
            var (first, last) = group.Key;
            if (first < 0 || last < first || last >= fileSize)
            {
                continue;
            }

            var ordered = group.OrderBy(b => b.Id.Offset).ToList();
            var next = first;
            var names = new List<string>(ordered.Count);
            foreach (var b in ordered)
            {
                if (b.Id.Offset != next || b.Size <= 0)
                {
                    break;
                }

                names.Add(b.Id.Encode());
                next += b.Size;
            }

            if (next == last + 1)
            {
                chunks.Add(new ReceivedChunk(new ByteRange(first, last), names));
            }
        }

        chunks.Sort((a, b) => a.Range.First != b.Range.First
            ? a.Range.First.CompareTo(b.Range.First)
            : a.Range.Last.CompareTo(b.Range.Last));
        return new StagedChunks(chunks, fileSize);
    }

    /// <summary>True when exactly this range was received before as one chunk: a re-send, which is accepted.</summary>
    public bool HasChunk(ByteRange range) =>
        _byFirst.TryGetValue(range.First, out var list) && list.Any(c => c.Range == range);

    /// <summary>
    /// The block IDs that make the file, in order: a chain of received chunks from byte 0 to the end. Chunks that
    /// overlap (possible only when overlapping chunks raced each other) are left out if a clean chain exists.
    /// Returns null when no chain covers the file.
    /// </summary>
    public IReadOnlyList<string>? CommitOrder()
    {
        if (FileSize == 0)
        {
            return [];
        }

        // Depth-first over chunk starts, iterative (a session may hold tens of thousands of chunks).
        // Longest candidate first: fewer blocks, and the common case has exactly one candidate per start.
        var dead = new HashSet<long>();
        var path = new Stack<(ReceivedChunk Chunk, int Index, List<ReceivedChunk> Candidates)>();
        var offset = 0L;
        var index = 0;
        while (offset != FileSize)
        {
            var candidates = dead.Contains(offset) || !_byFirst.TryGetValue(offset, out var list)
                ? null
                : list.OrderByDescending(c => c.Range.Last).ToList();
            if (candidates is not null && index < candidates.Count)
            {
                var chunk = candidates[index];
                path.Push((chunk, index, candidates));
                offset = chunk.Range.Last + 1;
                index = 0;
                continue;
            }

            dead.Add(offset);
            if (path.Count == 0)
            {
                return null;
            }

            var (previous, previousIndex, _) = path.Pop();
            offset = previous.Range.First;
            index = previousIndex + 1;
        }

        return path.Reverse().SelectMany(p => p.Chunk.BlockIds).ToList();
    }

    /// <summary>Received ranges that overlap each other: only overlapping chunks sent at the same moment make these.</summary>
    public IReadOnlyList<ByteRange> Overlaps()
    {
        var overlaps = new List<ByteRange>();
        var reach = -1L;
        foreach (var chunk in Chunks)
        {
            if (chunk.Range.First <= reach)
            {
                overlaps.Add(new ByteRange(chunk.Range.First, Math.Min(reach, chunk.Range.Last)));
            }

            reach = Math.Max(reach, chunk.Range.Last);
        }

        return ByteRange.Merge(overlaps);
    }
}

/// <summary>A chunk whose blocks are all staged, and those blocks' IDs in order.</summary>
public sealed record ReceivedChunk(ByteRange Range, IReadOnlyList<string> BlockIds);
