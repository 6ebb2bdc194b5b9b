namespace BlobImageStore.Sessions;

/// <summary>
/// How a chunk is cut into blocks, and the limits that keep any file within Azure's 50,000 committed blocks.
/// A chunk becomes ceil(length / block size) blocks, so a file has at most
/// <c>fileSize / blockSize + chunkCount</c> blocks. Capping each term at half the limit keeps the sum inside it:
/// chunks other than the one holding the last byte must be at least <c>fileSize / 25,000</c> bytes, and the file at
/// most <c>24,999 × blockSize</c> bytes. The block size is chosen per session from the file size
/// (<see cref="SessionRules.BlockSizeFor"/>), so that bound grows with the file up to
/// <c>24,999 × <see cref="MaxBlockSize"/></c> (about 48.8 TiB); in practice the chunk rule binds first:
/// <c>25,000 × ImageStore:MaxChunkSize</c> (2.5 TB at the default 100 MB).
/// </summary>
public sealed record ChunkLayout(int BlockSize, long MaxChunkSize)
{
    public const int AzureMaxCommittedBlocks = ImageStoreProtocol.AzureMaxCommittedBlocks;
    public const int MaxChunks = ImageStoreProtocol.MaxChunks;
    public const int MaxBlocksForData = AzureMaxCommittedBlocks - MaxChunks - 1;

    /// <summary>Largest block a session is given: the largest whole MiB a .NET array holds (Azure allows 4000 MiB).</summary>
    public const int MaxBlockSize = 2047 * 1024 * 1024;

    public long MaxFileSize => (long)BlockSize * MaxBlocksForData;

    public static long MinChunkSize(long fileSize) => ImageStoreProtocol.MinChunkSize(fileSize);

    /// <summary>
    /// Checks a chunk against the size rules before anything is read or written: the refusal
    /// (<see cref="FileTooLarge"/>, <see cref="ChunkTooLarge"/>, <see cref="BodyLengthMismatch"/>, <see cref="ChunkTooSmall"/>),
    /// or null when the chunk keeps them.
    /// </summary>
    public Outcome? Check(ContentRange range, long? contentLength)
    {
        if (range.Total > MaxFileSize)
        {
            return new FileTooLarge(range.Total, MaxFileSize, BlockSize);
        }

        if (range.Length > MaxChunkSize)
        {
            return new ChunkTooLarge(range.Length, MaxChunkSize);
        }

        if (contentLength is { } length && length != range.Length)
        {
            return new BodyLengthMismatch(range, length);
        }

        var min = MinChunkSize(range.Total);
        return !range.IsEmptyFile && range.Length < min && range.Last != range.Total - 1 ? new ChunkTooSmall(range, min) : null;
    }

    /// <summary>The blocks of a chunk: absolute offset and length of each, in order.</summary>
    public IEnumerable<(long Offset, int Length)> Blocks(ByteRange chunk)
    {
        for (var offset = chunk.First; offset <= chunk.Last; offset += BlockSize)
        {
            yield return (offset, (int)Math.Min(BlockSize, chunk.Last - offset + 1));
        }
    }
}
