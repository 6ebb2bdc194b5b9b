namespace BlobImageStore;

/// <summary>
/// The protocol's constants and the chunk-size rule, as the server applies them and the client plans for them.
/// Azure keeps at most 50,000 committed blocks per blob; the server spends at most 25,000 of them on chunk
/// boundaries, so every chunk but the one holding the last byte must be at least <c>ceil(size / 25,000)</c> bytes.
/// </summary>
public static class ImageStoreProtocol
{
    /// <summary>Azure's limit on the committed blocks of one block blob.</summary>
    public const int AzureMaxCommittedBlocks = 50_000;

    /// <summary>Chunk boundaries the server allows per file: half of Azure's 50,000 committed blocks per blob.</summary>
    public const int MaxChunks = 25_000;

    /// <summary>The server's default largest chunk (<c>ImageStore:MaxChunkSize</c>, the Azure Functions request limit).</summary>
    public const long DefaultMaxChunkSize = 100_000_000;

    /// <summary>The mark file of a complete folder (written last by package uploads, checked by Copy's <c>CheckMarkFile</c>).</summary>
    public const string MarkFileName = "_.dir";

    /// <summary>The smallest chunk allowed for a file of <paramref name="fileSize"/> bytes, except the one holding its
    /// last byte: <c>ceil(size / 25,000)</c>, at least 1.</summary>
    /// <param name="fileSize">Size of the whole file.</param>
    /// <returns>The minimum chunk size in bytes.</returns>
    public static long MinChunkSize(long fileSize) => Math.Max(1, (fileSize + MaxChunks - 1) / MaxChunks);
}
