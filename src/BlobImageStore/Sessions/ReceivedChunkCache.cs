using Microsoft.Extensions.Caching.Memory;

namespace BlobImageStore.Sessions;

/// <summary>
/// This process's memory of the chunks a session has received, so that an UploadChunk does not read the session's
/// whole block list every time (that would make a session of n chunks cost O(n²) in Get Block List traffic).
/// <para>
/// It only ever speeds up the early check of a chunk against received bytes, and it errs on the permissive side:
/// within one session incarnation the received set only grows, so a stale entry can miss chunks another instance
/// staged (an overlap then slips through, and the commit's chain over the real block list still yields a correct
/// file or a clear error) but can never refuse a chunk wrongly. GetUploadSession and CommitUploadSession always
/// read the real block list.
/// </para>
/// </summary>
public sealed class ReceivedChunkCache : IDisposable
{
    /// <summary>Sessions remembered at once; each holds at most <see cref="ChunkLayout.MaxChunks"/> ranges.</summary>
    public const int MaxSessions = 128;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxSessions });

    public ReceivedChunks? Get(Guid sessionId, uint incarnation) =>
        _cache.TryGetValue((sessionId, incarnation), out ReceivedChunks? chunks) ? chunks : null;

    /// <summary>Remembers what the block list showed; returns the entry to update.</summary>
    public ReceivedChunks Remember(Guid sessionId, uint incarnation, StagedChunks staged)
    {
        var chunks = new ReceivedChunks(staged.Chunks.Select(c => c.Range));
        _cache.Set((sessionId, incarnation), chunks, new MemoryCacheEntryOptions
        {
            Size = 1,
            SlidingExpiration = TimeSpan.FromMinutes(10),
        });
        return chunks;
    }

    public void Dispose() => _cache.Dispose();
}

/// <summary>Received chunk ranges of one session incarnation: exact ranges, and their merged union for overlap checks.</summary>
public sealed class ReceivedChunks
{
    private readonly Lock _gate = new();
    private readonly HashSet<ByteRange> _exact;
    private readonly List<ByteRange> _merged;

    public ReceivedChunks(IEnumerable<ByteRange> chunks)
    {
        _exact = [.. chunks];
        _merged = ByteRange.Merge(_exact);
    }

    public bool Contains(ByteRange chunk)
    {
        lock (_gate)
        {
            return _exact.Contains(chunk);
        }
    }

    /// <summary>The received bytes inside <paramref name="range"/>.</summary>
    public List<ByteRange> Overlap(ByteRange range)
    {
        lock (_gate)
        {
            var result = new List<ByteRange>();
            for (var i = FirstEndingAtOrAfter(range.First); i < _merged.Count && _merged[i].First <= range.Last; i++)
            {
                result.Add(new ByteRange(Math.Max(_merged[i].First, range.First), Math.Min(_merged[i].Last, range.Last)));
            }

            return result;
        }
    }

    public void Add(ByteRange chunk)
    {
        lock (_gate)
        {
            if (!_exact.Add(chunk))
            {
                return;
            }

            // Insert into the merged list, joining the neighbours it touches.
            var i = FirstEndingAtOrAfter(chunk.First - 1);
            var first = chunk.First;
            var last = chunk.Last;
            var end = i;
            while (end < _merged.Count && _merged[end].First <= chunk.Last + 1)
            {
                first = Math.Min(first, _merged[end].First);
                last = Math.Max(last, _merged[end].Last);
                end++;
            }

            _merged.RemoveRange(i, end - i);
            _merged.Insert(i, new ByteRange(first, last));
        }
    }

    /// <summary>Index of the first merged range whose last byte is at or after <paramref name="position"/>.</summary>
    private int FirstEndingAtOrAfter(long position)
    {
        int low = 0, high = _merged.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (_merged[mid].Last < position)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
