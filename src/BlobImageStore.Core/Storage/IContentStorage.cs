using BlobImageStore.Paths;

namespace BlobImageStore.Storage;

/// <summary>
/// A committed file of the store as Blob Storage reports it. <see cref="Name"/> is the blob name as stored (normally a
/// <see cref="StorePath"/> value, but other Azure tools may have written names this store would not have chosen);
/// <see cref="Version"/> is the blob's ETag, which changes with every write.
/// </summary>
public sealed record StoredFile(string Name, long Size, DateTimeOffset Modified, string Version);

/// <summary>One page of a folder's immediate content: its files, and its sub-folders as full paths without a trailing '/'.</summary>
public sealed record ContentPage(IReadOnlyList<StoredFile> Files, IReadOnlyList<string> Folders, string? Continuation)
{
    public bool IsEmpty => Files.Count == 0 && Folders.Count == 0;
}

/// <summary>Writes whole files (UploadFile): one Put Blob, or blocks staged with <see cref="IBlockStaging"/> and one Put Block List.</summary>
public interface IFileWriter
{
    /// <summary>One Put Blob: the file becomes exactly <paramref name="content"/>; Azure verifies <paramref name="md5"/> on arrival and keeps it as the file's Content-MD5.</summary>
    Task PutAsync(StorePath path, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken);

    /// <summary>One Put Block List of staged blocks; <paramref name="md5"/> (the whole file's) is kept as the file's Content-MD5.
    /// False when a listed block is gone (InvalidBlockList): nothing changed.</summary>
    Task<bool> CommitAsync(StorePath path, IReadOnlyList<string> blockIds, byte[] md5, CancellationToken cancellationToken);
}

/// <summary>Reads what files exist: one file, one page of a folder, or everything under a prefix.</summary>
public interface IFileIndex
{
    /// <summary>The committed file at the path; null when there is none (staged blocks alone are not a file).</summary>
    Task<StoredFile?> GetAsync(StorePath path, CancellationToken cancellationToken);

    /// <summary>
    /// One page (at most <paramref name="pageSize"/> entries) of the files and folders directly under
    /// <paramref name="prefix"/> (empty for the root, else ending in '/'), from <paramref name="continuation"/> (a marker of
    /// an earlier page) on.
    /// </summary>
    Task<ContentPage> ListPageAsync(string prefix, string? continuation, int pageSize, CancellationToken cancellationToken);

    /// <summary>Every committed file whose name starts with <paramref name="prefix"/>, at any depth, in name order.</summary>
    IAsyncEnumerable<StoredFile> ListAllAsync(string prefix, CancellationToken cancellationToken);
}

/// <summary>Deletes files.</summary>
public interface IFileRemoval
{
    /// <summary>Deletes the file (with its snapshots); false when there was none.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken);
}

/// <summary>Copies files inside the store without the bytes passing through this server.</summary>
public interface IFileCopy
{
    /// <summary>Copies the committed file <paramref name="source"/> onto <paramref name="destination"/>, replacing it; returns once the copy is complete.</summary>
    /// <remarks>False when the source is gone: nothing changed.</remarks>
    Task<bool> CopyAsync(string source, StorePath destination, CancellationToken cancellationToken);
}

/// <summary>Measures the session container (records and claims) by listing all of it: Info's fallback when there is no
/// recent <see cref="ISessionUsageSummary"/>.</summary>
public interface ISessionStoreUsage
{
    /// <summary>Records, claims and their bytes, and the open sessions with the bytes they have received.</summary>
    Task<SessionStoreUsage> MeasureAsync(CancellationToken cancellationToken);
}

/// <summary>
/// What the session container holds: its session records and path claims (how many, and their bytes together), and the
/// open sessions among the records with the bytes they had received (from each record's last write).
/// </summary>
public readonly record struct SessionStoreUsage(long Records, long Claims, long Bytes, long OpenSessions, long OpenSessionBytes)
{
    /// <summary>Records and claims: <c>UsedByMetadata.FileCount</c>.</summary>
    public long Files() => Records + Claims;
}
