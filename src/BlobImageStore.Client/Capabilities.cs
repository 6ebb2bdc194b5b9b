namespace BlobImageStore.Client;

/// <summary>Upload sessions: UploadFileChunk, GetUploadSession (by id and by path), Commit and Delete.</summary>
public interface IUploadSessionClient
{
    /// <summary>The store these sessions live in (part of a resume journal's key).</summary>
    Uri Endpoint { get; }

    /// <summary>Sends one chunk (<c>Content-Range: bytes First-Last/FileSize</c>, with <c>Content-MD5</c>).</summary>
    Task UploadChunkAsync(UploadChunkRequest chunk, CancellationToken cancellationToken);

    /// <summary>The open session with this id; null when there is none (204).</summary>
    Task<UploadSessionInfo?> GetUploadSessionAsync(Guid sessionId, CancellationToken cancellationToken);

    /// <summary>The open sessions of a path (this store keeps at most one; Service Fabric may have several); empty on 204.</summary>
    Task<IReadOnlyList<UploadSessionInfo>> GetUploadSessionsByPathAsync(string storePath, CancellationToken cancellationToken);

    Task CommitUploadSessionAsync(Guid sessionId, CancellationToken cancellationToken);

    /// <summary>Ends a session and discards its chunks (200 also when there is no such session).</summary>
    Task DeleteUploadSessionAsync(Guid sessionId, CancellationToken cancellationToken);
}

/// <summary>Writing content: UploadFile, DeleteImageStoreContent, CopyImageStoreContent.</summary>
public interface IImageStoreWriter
{
    /// <summary>Uploads a whole file in one request (for files small enough to send again in full).</summary>
    Task UploadFileAsync(string storePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Deletes a file or a folder tree (200 also when nothing is there).</summary>
    Task DeleteContentAsync(string storePath, CancellationToken cancellationToken);

    Task CopyContentAsync(CopyDescription copy, CancellationToken cancellationToken);
}

/// <summary>Reading what is stored: GetImageStoreContent (root and path), FolderSize (root and path), Info.</summary>
public interface IImageStoreReader
{
    /// <summary>One page of a listing; <paramref name="storePath"/> null or empty lists the root. An empty folder is an
    /// empty listing (204); a path that does not exist is an <see cref="ImageStoreException"/> with status 404.</summary>
    Task<ImageStoreContent> ListPageAsync(string? storePath, string? continuationToken, CancellationToken cancellationToken);

    /// <summary>The whole listing, following continuation tokens.</summary>
    Task<ImageStoreContent> ListAsync(string? storePath, CancellationToken cancellationToken);

    /// <summary>Total bytes under the root (null or empty) or a folder.</summary>
    Task<FolderSizeInfo> GetFolderSizeAsync(string? storePath, CancellationToken cancellationToken);

    Task<ImageStoreInfo> GetInfoAsync(CancellationToken cancellationToken);
}

/// <summary>One chunk to send. <see cref="Content"/> must be exactly <c>Last - First + 1</c> bytes (0 for the empty file's <c>0-0/0</c>).</summary>
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

    public string ContentRange => FileSize == 0
        ? "bytes 0-0/0"
        : FormattableString.Invariant($"bytes {First}-{Last}/{FileSize}");
}
