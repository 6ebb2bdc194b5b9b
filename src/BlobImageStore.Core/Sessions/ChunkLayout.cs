using BlobImageStore.Errors;

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

    /// <summary>Checks a chunk against the size rules before anything is read or written.</summary>
    public void Validate(ContentRange range, long? contentLength)
    {
        if (range.Total > MaxFileSize)
        {
            throw FabricException.TooLarge(
                $"The file is {range.Total} bytes; this store takes files up to {MaxFileSize} bytes (Azure's 50,000 blocks of at most {BlockSize} bytes each). Split it into several files.");
        }

        if (range.Length > MaxChunkSize)
        {
            throw FabricException.TooLarge(
                $"The chunk is {range.Length} bytes; the largest chunk this store accepts is {MaxChunkSize} bytes. Split the file into smaller chunks.");
        }

        if (contentLength is { } length && length != range.Length)
        {
            throw FabricException.InvalidArgument(
                $"The body is {length} bytes but {range} names {range.Length} bytes. Send exactly the bytes of the range.");
        }

        var min = MinChunkSize(range.Total);
        if (!range.IsEmptyFile && range.Length < min && range.Last != range.Total - 1)
        {
            throw FabricException.InvalidArgument(
                $"The chunk is {range.Length} bytes; for a file of {range.Total} bytes every chunk but the last must be at least {min} bytes, so that the file fits Azure's limit of {AzureMaxCommittedBlocks} blocks. Use larger chunks.");
        }
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
