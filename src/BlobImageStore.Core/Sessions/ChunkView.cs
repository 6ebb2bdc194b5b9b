namespace BlobImageStore.Sessions;

/// <summary>
/// A chunk whose blocks are all staged: its range, the attempt that staged it, its digest and block IDs in order, whether
/// its attempt confirmed it (<see cref="BlockKind.Confirm"/>), and until when an unconfirmed one may still confirm.
/// </summary>
public sealed record ReceivedChunk(ByteRange Range, long Nonce, ChunkDigest Digest, IReadOnlyList<string> BlockIds, bool Confirmed = true, DateTimeOffset ConfirmBy = default)
{
    /// <summary>Two complete chunks conflict when they overlap and are not the same bytes of the same range.</summary>
    public bool ConflictsWith(ReceivedChunk other) => ConflictsWith(other.Range, other.Digest);

    /// <summary>True when this copy overlaps <paramref name="range"/> and is not the same bytes of it.</summary>
    public bool ConflictsWith(ByteRange range, BodyDigests bytes) =>
        Range.Overlaps(range) && !(Range == range && bytes.SameBytesAs(Digest));
}

/// <summary>
/// What a session holds, computed from the blob's block list alone (never from a counter or a memory), so the answer
/// holds whatever crashed in between and is the same on every instance.
/// <list type="bullet">
/// <item>A copy is <b>complete</b> when its attempt's blocks tile its range and its <see cref="BlockKind.Final"/> block
/// (staged only after the body was read and checked) is there, and its attempt was not voided.</item>
/// <item>A complete copy is <b>confirmed</b> when its attempt also staged its <see cref="BlockKind.Confirm"/> block, which it
/// does only after finding no competing copy, before its deadline. Only confirmed copies are received, re-sends are
/// verified against them, and a commit is made of them.</item>
/// <item>A complete copy that is not confirmed is <b>pending</b> while its attempt may still confirm it (until its
/// confirm-by time plus the clock skew, as of when the block list was read): it counts for nothing, but it holds its
/// range against other bytes, so two attempts with different bytes can never both confirm. Past that it is dead: an
/// attempt killed between its final block and its confirmation blocks nothing for longer than its own deadline.</item>
/// <item>Confirmed copies that <b>conflict</b> (overlap without being the same bytes of the same range) count for
/// nothing: only an attempt whose confirmation landed after its own deadline and that was killed before it could take
/// it back leaves such a pair, and the server cannot tell which one it acknowledged.</item>
/// <item>The other confirmed copies are <b>counted</b>: they are disjoint (equal copies are one), their union is what was
/// received, and the commit is their blocks in file order.</item>
/// </list>
/// </summary>
public sealed class ChunkView
{
    private ChunkView(long fileSize, List<ReceivedChunk> complete, DateTimeOffset? readAt, TimeSpan clockSkew)
    {
        FileSize = fileSize;
        Complete = complete;
        Confirmed = complete.Where(c => c.Confirmed).ToList();
        Pending = complete.Where(c => !c.Confirmed && (readAt is not { } at || c.ConfirmBy + clockSkew >= at)).ToList();
        var conflicted = new HashSet<ReceivedChunk>();
        var sorted = Confirmed.OrderBy(c => c.Range.First).ToList();
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

    /// <summary>Every complete copy that was not voided: confirmed, pending or dead.</summary>
    public IReadOnlyList<ReceivedChunk> Complete { get; }

    /// <summary>The complete copies their attempts confirmed (counted or conflicted).</summary>
    public IReadOnlyList<ReceivedChunk> Confirmed { get; }

    /// <summary>Complete copies not confirmed yet whose attempts may still confirm them: they hold their ranges, count for nothing.</summary>
    public IReadOnlyList<ReceivedChunk> Pending { get; }

    /// <summary>Confirmed copies that conflict with another confirmed copy: neither counts.</summary>
    public IReadOnlyList<ReceivedChunk> Conflicted { get; }

    /// <summary>The chunks that count, disjoint, in file order.</summary>
    public IReadOnlyList<ReceivedChunk> Counted { get; }

    public IReadOnlyList<ByteRange> Received { get; }

    /// <summary>The bytes still missing: the session's <c>ExpectedRanges</c>.</summary>
    public IReadOnlyList<ByteRange> Missing { get; }

    public long ReceivedBytes => Received.Sum(r => r.Length);

    /// <summary>
    /// The view of a session's blocks. <paramref name="readAt"/>: the time taken <b>before</b> the block list was read, by
    /// which pending copies past their confirm-by plus <paramref name="clockSkew"/> are dead (null: every unconfirmed copy
    /// is pending). Reading the clock first matters: a confirmation that is not in the list landed after that time, and its
    /// attempt then sees that it confirmed late (<see cref="UploadSessions"/>). <paramref name="abandoned"/>: the
    /// record's abandoned attempts (<see cref="UploadSessionRecord.Abandoned"/>), which count as voided.
    /// </summary>
    public static ChunkView From(IEnumerable<StagedBlock> blocks, ulong sessionKey, long fileSize, DateTimeOffset? readAt = null, TimeSpan clockSkew = default, IEnumerable<AttemptRef>? abandoned = null)
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

        var voided = (abandoned ?? []).Select(a => (new ByteRange(a.First, a.Last), a.Nonce)).ToHashSet();
        var confirmed = new HashSet<(ByteRange, long)>();
        foreach (var (id, _, _) in latest.Values)
        {
            if (id.Kind == BlockKind.Void)
            {
                voided.Add((id.Chunk, id.Nonce));
            }
            else if (id.Kind == BlockKind.Confirm)
            {
                confirmed.Add((id.Chunk, id.Nonce));
            }
        }

        var complete = new List<ReceivedChunk>();
        foreach (var attempt in latest.Where(b => b.Value.Id.Kind is BlockKind.Data or BlockKind.Final).GroupBy(b => (b.Value.Id.Chunk, b.Value.Id.Nonce)))
        {
            var (range, nonce) = attempt.Key;
            if (voided.Contains((range, nonce)) || range.First < 0 || range.Last < range.First || range.Last >= fileSize)
            {
                continue;
            }

            var next = range.First;
            var names = new List<string>();
            BlockId? final = null;
            foreach (var (name, (id, size, _)) in attempt.OrderBy(b => b.Value.Id.Offset))
            {
                if (id.Offset != next || size <= 0 || final is not null)
                {
                    break;
                }

                names.Add(name);
                next += size;
                if (id.Kind == BlockKind.Final)
                {
                    final = id;
                }
            }

            if (next == range.Last + 1 && final is { } f)
            {
                complete.Add(new ReceivedChunk(range, nonce, f.Digest, names, f.Legacy || confirmed.Contains((range, nonce)), f.ConfirmBy));
            }
        }

        return new ChunkView(fileSize, complete, readAt, clockSkew);
    }

    /// <summary>Confirmed chunks of exactly this range (counted or conflicted).</summary>
    public IReadOnlyList<ReceivedChunk> Exactly(ByteRange range) => Confirmed.Where(c => c.Range == range).ToList();

    /// <summary>
    /// The bytes of <paramref name="range"/> that confirmed or pending copies of other ranges hold (a copy of exactly this
    /// range is a re-send's business, not an overlap).
    /// </summary>
    public IReadOnlyList<ByteRange> Overlap(ByteRange range) =>
        ByteRange.Intersections(ByteRange.Merge(Confirmed.Concat(Pending).Where(c => c.Range != range).Select(c => c.Range)), range);

    /// <summary>Dead copies (complete, unconfirmed, past their confirm-by plus the clock skew) that conflict with these bytes.</summary>
    public IReadOnlyList<ReceivedChunk> DeadConflicting(ByteRange range, BodyDigests bytes) =>
        Complete.Where(c => !c.Confirmed && !Pending.Contains(c) && c.ConflictsWith(range, bytes)).ToList();

    /// <summary>True when another attempt's confirmed or pending copy conflicts with these bytes of <paramref name="range"/>.</summary>
    public bool Contests(ByteRange range, long nonce, BodyDigests bytes) =>
        Confirmed.Concat(Pending).Any(c => c.Nonce != nonce && c.ConflictsWith(range, bytes));

    /// <summary>The block IDs that make the file, in order; null when the counted chunks do not cover it.</summary>
    public IReadOnlyList<string>? CommitOrder() => Missing.Count == 0 ? Counted.SelectMany(c => c.BlockIds).ToList() : null;
}
