namespace BlobImageStore.Client.Uploads;

/// <summary>The chunk size of an upload, chosen from the file size, and how much it had to be adjusted.</summary>
public sealed record ChunkSizeChoice(long ChunkSize, string? Adjustment);

/// <summary>
/// Chunk sizes within the server's block limits. Azure keeps at most 50,000 committed blocks per blob; the server
/// spends at most 25,000 of them on chunk boundaries, so every chunk except the one holding the last byte must be at
/// least <c>ceil(size / 25,000)</c> bytes, and no chunk may exceed the server's <c>ImageStore:MaxChunkSize</c>
/// (100,000,000 bytes by default; larger chunks are refused with 413).
/// </summary>
public static class ChunkSizing
{
    /// <summary>Chunk boundaries the server allows per file (half of Azure's 50,000 committed blocks).</summary>
    public const int MaxChunks = ImageStoreProtocol.MaxChunks;
    /// <summary>The server's default <c>ImageStore:MaxChunkSize</c>.</summary>
    public const long DefaultMaxChunkSize = ImageStoreProtocol.DefaultMaxChunkSize;
    /// <summary>1,048,576 bytes.</summary>
    public const long MiB = 1024 * 1024;

    /// <summary>Smallest automatic chunk: a dropped connection costs at most this much to re-send per chunk in flight.</summary>
    public const long MinAutoChunkSize = 4 * MiB;

    /// <summary>Largest automatic chunk: bounds memory (one buffer per parallel chunk) and the re-send cost.</summary>
    public const long MaxAutoChunkSize = 64 * MiB;

    /// <summary>The automatic size aims at about this many chunks for large files.</summary>
    public const long TargetChunkCount = 1_000;

    /// <summary>The server's lower bound for every chunk but the last.</summary>
    public static long MinChunkSize(long fileSize) => ImageStoreProtocol.MinChunkSize(fileSize);

    /// <summary>
    /// The automatic size: <c>size / 1,000</c> rounded up to whole MiB, kept within 4 MiB..64 MiB, then raised to the
    /// server's minimum and capped at <paramref name="maxChunkSize"/>. A 64 MiB file goes in 16 chunks of 4 MiB, a
    /// 10 GiB file in about 930 chunks of 11 MiB, anything from 64 GiB up in 64 MiB chunks.
    /// </summary>
    public static long Auto(long fileSize, long maxChunkSize = DefaultMaxChunkSize)
    {
        var target = RoundUp((fileSize + TargetChunkCount - 1) / TargetChunkCount, MiB);
        var size = Math.Clamp(target, MinAutoChunkSize, MaxAutoChunkSize);
        size = Math.Max(size, RoundUp(MinChunkSize(fileSize), MiB));
        return Math.Min(size, maxChunkSize);
    }

    /// <summary>The automatic size, or the requested one moved into the server's limits (with the reason).</summary>
    public static ChunkSizeChoice Choose(long fileSize, long? requested, long maxChunkSize = DefaultMaxChunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunkSize, 1);
        if (requested is not { } size)
        {
            return new ChunkSizeChoice(Auto(fileSize, maxChunkSize), null);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(requested));
        var min = MinChunkSize(fileSize);
        if (size > maxChunkSize)
        {
            return new ChunkSizeChoice(maxChunkSize, $"the chunk size {size} is above the server's largest chunk, {maxChunkSize} bytes; using {maxChunkSize}");
        }

        if (size < min && fileSize > size)
        {
            return new ChunkSizeChoice(Math.Min(min, maxChunkSize), $"the chunk size {size} would need more than {MaxChunks} chunks for {fileSize} bytes; using the server's minimum, {min}");
        }

        return new ChunkSizeChoice(size, null);
    }

    private static long RoundUp(long value, long unit) => Math.Max(unit, (value + unit - 1) / unit * unit);
}

/// <summary>Cuts the ranges a session still expects into chunks the server accepts.</summary>
public static class ChunkPlanner
{
    /// <summary>
    /// The chunks that send exactly <paramref name="missing"/>, each at most <paramref name="chunkSize"/> bytes (a range's
    /// tail shorter than the server minimum joins the chunk before it). A new upload's chunks start at multiples of the
    /// chunk size, so a resumed upload with the same size sends the same chunks again. Null when a missing range is
    /// shorter than the minimum and does not end the file (the server would refuse it): the session cannot be finished
    /// with allowed chunks. An empty file is the one chunk <c>0-0/0</c> with no body.
    /// </summary>
    public static IReadOnlyList<ByteRange>? Plan(IReadOnlyList<ByteRange> missing, long fileSize, long chunkSize, long maxChunkSize = ChunkSizing.DefaultMaxChunkSize)
    {
        if (fileSize == 0)
        {
            return missing.Count == 0 ? [] : [new ByteRange(0, 0)];
        }

        var min = ChunkSizing.MinChunkSize(fileSize);
        var chunks = new List<ByteRange>();
        foreach (var raw in missing.OrderBy(r => r.First))
        {
            var range = new ByteRange(Math.Max(0, raw.First), Math.Min(fileSize - 1, raw.Last));
            if (range.Length <= 0)
            {
                continue;
            }

            var endsFile = range.Last == fileSize - 1;
            if (range.Length < min && !endsFile)
            {
                return null;
            }

            var position = range.First;
            while (position <= range.Last)
            {
                var remaining = range.Last - position + 1;
                if (remaining <= chunkSize)
                {
                    chunks.Add(new ByteRange(position, range.Last));
                    break;
                }

                var length = chunkSize;
                if (remaining - length < min && !endsFile)
                {
                    // The tail would be too small to send on its own: send it with this chunk, or halve the two.
                    length = remaining <= maxChunkSize ? remaining : remaining / 2;
                }

                chunks.Add(new ByteRange(position, position + length - 1));
                position += length;
            }
        }

        return chunks;
    }
}
