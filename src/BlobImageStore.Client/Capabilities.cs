namespace BlobImageStore.Client;

/// <summary>Upload sessions: UploadFileChunk, GetUploadSession (by id and by path), Commit and Delete.</summary>
public interface IUploadSessionClient
{
    /// <summary>The store these sessions live in (part of a resume journal's key).</summary>
    Uri Endpoint { get; }

    /// <summary>Sends one chunk (<c>Content-Range: bytes First-Last/FileSize</c>, with <c>Content-MD5</c>).</summary>
    /// <param name="chunk">The chunk, its place in the file and its bytes.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>Completes when the server has acknowledged the chunk.</returns>
    Task UploadChunkAsync(UploadChunkRequest chunk, CancellationToken cancellationToken = default);

    /// <summary>The open session with this id; null when there is none (204).</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>The session, with the byte ranges it still expects.</returns>
    Task<UploadSessionInfo?> GetUploadSessionAsync(Guid sessionId, CancellationToken cancellationToken = default);

    /// <summary>The open sessions of a path (this store keeps at most one; Service Fabric may have several); empty on 204.</summary>
    /// <param name="storePath">The file's store path.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>The open sessions.</returns>
    Task<IReadOnlyList<UploadSessionInfo>> GetUploadSessionsByPathAsync(string storePath, CancellationToken cancellationToken = default);

    /// <summary>Commits a session whose bytes have all arrived: the file appears at its path.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>Completes when the file is committed.</returns>
    Task CommitUploadSessionAsync(Guid sessionId, CancellationToken cancellationToken = default);

    /// <summary>Ends a session and discards its chunks (200 also when there is no such session).</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>Completes when the session is gone.</returns>
    Task DeleteUploadSessionAsync(Guid sessionId, CancellationToken cancellationToken = default);
}

/// <summary>Writing content: UploadFile, DeleteImageStoreContent, CopyImageStoreContent.</summary>
public interface IImageStoreWriter
{
    /// <summary>Uploads a whole file in one request (for files small enough to send again in full).</summary>
    /// <param name="storePath">Where the file goes.</param>
    /// <param name="content">The file's bytes.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>Completes when the file is stored.</returns>
    Task UploadFileAsync(string storePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Uploads a whole file in one request, read from <paramref name="content"/> as it is sent (from its current
    /// position to its end; the stream is not disposed). A seekable stream is sent with its length and sent again from
    /// the same position on a retry; a stream that cannot seek goes chunked and is not retried once part of it was sent.
    /// For large files use <see cref="Uploads.ResumableUploader"/>.</summary>
    /// <param name="storePath">Where the file goes.</param>
    /// <param name="content">The file's bytes.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>Completes when the file is stored.</returns>
    Task UploadFileAsync(string storePath, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Deletes a file or a folder tree (200 also when nothing is there).</summary>
    /// <param name="storePath">The file or folder.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>Completes when the content is gone.</returns>
    Task DeleteContentAsync(string storePath, CancellationToken cancellationToken = default);

    /// <summary>Copies a file or folder inside the store.</summary>
    /// <param name="copy">Source, destination and the copy's options.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>Completes when the copy is done.</returns>
    Task CopyContentAsync(CopyDescription copy, CancellationToken cancellationToken = default);
}

/// <summary>Reading what is stored: GetImageStoreContent (root and path), FolderSize (root and path), Info.</summary>
public interface IImageStoreReader
{
    /// <summary>One page of a listing; <paramref name="storePath"/> null or empty lists the root. An empty folder is an
    /// empty listing (204); a path that does not exist is an <see cref="ImageStoreException"/> with status 404. A file's
    /// path lists that file alone.</summary>
    /// <param name="storePath">The folder or file; null or empty for the root.</param>
    /// <param name="continuationToken">The <see cref="ImageStoreContent.ContinuationToken"/> of the previous page; null for the first.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>The page.</returns>
    Task<ImageStoreContent> ListPageAsync(string? storePath, string? continuationToken = null, CancellationToken cancellationToken = default);

    /// <summary>The pages of a listing as they arrive, following <c>ContinuationToken</c> from
    /// <paramref name="continuationToken"/> (null: from the start), one request per page enumerated.</summary>
    /// <param name="storePath">The folder or file; null or empty for the root.</param>
    /// <param name="continuationToken">Where to continue an earlier listing; null for the start.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>The pages; each carries the token that continues after it.</returns>
    IAsyncEnumerable<ImageStoreContent> ListPagesAsync(string? storePath, string? continuationToken = null, CancellationToken cancellationToken = default);

    /// <summary>The whole listing, following continuation tokens (all pages in memory; see <see cref="ListPagesAsync"/>).</summary>
    /// <param name="storePath">The folder or file; null or empty for the root.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>Every file and folder, with no continuation token.</returns>
    Task<ImageStoreContent> ListAsync(string? storePath, CancellationToken cancellationToken = default);

    /// <summary>Total bytes under the root (null or empty) or a folder.</summary>
    /// <param name="storePath">The folder; null or empty for the root.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>The folder's size.</returns>
    Task<FolderSizeInfo> GetFolderSizeAsync(string? storePath, CancellationToken cancellationToken = default);

    /// <summary>Capacity and usage of the store (GetImageStoreInfo).</summary>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <returns>What the server reports; parts it leaves out are null.</returns>
    Task<ImageStoreInfo> GetInfoAsync(CancellationToken cancellationToken = default);
}

/// <summary>One chunk to send. <see cref="Content"/> must be exactly <c>Last - First + 1</c> bytes (0 for the empty file's <c>0-0/0</c>).</summary>
/// <param name="StorePath">The file's store path.</param>
/// <param name="SessionId">The upload session (the first chunk with a new id opens it).</param>
/// <param name="First">Offset of the chunk's first byte.</param>
/// <param name="Last">Offset of the chunk's last byte (inclusive).</param>
/// <param name="FileSize">Size of the whole file.</param>
/// <param name="Content">The chunk's bytes.</param>
public sealed record UploadChunkRequest(string StorePath, Guid SessionId, long First, long Last, long FileSize, ReadOnlyMemory<byte> Content)
{
    /// <summary>Base64 MD5 of the content; computed when null.</summary>
    public string? ContentMd5 { get; init; }

    /// <summary>Called with the number of body bytes written to the connection, as they are written (every attempt).</summary>
    public Action<long>? BytesWritten { get; init; }

    /// <summary>Called before a transient failure is retried.</summary>
    public Action<Exception>? Retrying { get; init; }

    /// <summary>Limits the sending rate; shared by the chunks of one upload.</summary>
    public IByteThrottle? Throttle { get; init; }

    /// <summary>The <c>Content-Range</c> header value: <c>bytes First-Last/FileSize</c> (<c>bytes 0-0/0</c> for an empty file).</summary>
    public string ContentRange => (FileSize == 0 ? Sessions.ContentRange.EmptyFile : new Sessions.ContentRange(First, Last, FileSize)).ToString();
}
