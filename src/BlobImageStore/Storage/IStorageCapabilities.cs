using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.Storage;

/// <summary>Staged blocks on a file's blob: the bytes of open upload sessions.</summary>
public interface IBlockStaging
{
    /// <summary>Committed and uncommitted blocks of the blob (empty when it has none).</summary>
    Task<IReadOnlyList<StagedBlock>> GetBlocksAsync(StorePath path, CancellationToken cancellationToken);

    /// <summary>Stages one block; the store verifies <paramref name="md5"/> on arrival.</summary>
    Task StageAsync(StorePath path, string blockId, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken);

    /// <summary>One Put Block List: the blob becomes exactly these blocks, and its other uncommitted blocks are discarded.</summary>
    Task CommitAsync(StorePath path, IReadOnlyList<string> blockIds, CancellationToken cancellationToken);

    /// <summary>Discards the uncommitted blocks of a path where no committed file exists; never touches a committed file.</summary>
    Task DiscardUncommittedAsync(StorePath path, CancellationToken cancellationToken);
}

/// <summary>Upload-session records, by session id, with optimistic concurrency.</summary>
public interface ISessionRecords
{
    Task<Versioned<UploadSessionRecord>?> GetAsync(Guid sessionId, CancellationToken cancellationToken);

    /// <summary>Creates the record if none exists (or replaces the one read at <paramref name="replacing"/>); null when another writer won.</summary>
    Task<string?> TryCreateAsync(UploadSessionRecord record, string? replacing, CancellationToken cancellationToken);

    /// <summary>Replaces the record read at <paramref name="version"/>; null when it changed or vanished meanwhile.</summary>
    Task<string?> TryReplaceAsync(UploadSessionRecord record, string version, CancellationToken cancellationToken);

    /// <summary>Deletes the record read at <paramref name="version"/>; false when it changed or vanished meanwhile.</summary>
    Task<bool> TryDeleteAsync(Guid sessionId, string version, CancellationToken cancellationToken);
}

/// <summary>
/// Which session holds a path. One open session per path, because a commit (Put Block List) discards every
/// other uncommitted block of the blob: a second session on the same path would silently lose its bytes.
/// </summary>
public interface IPathClaims
{
    Task<Versioned<Guid>?> GetAsync(StorePath path, CancellationToken cancellationToken);

    /// <summary>Claims the path for the session if nobody holds it (or takes over the claim read at <paramref name="replacing"/>).</summary>
    Task<bool> TryClaimAsync(StorePath path, Guid sessionId, string? replacing, CancellationToken cancellationToken);

    /// <summary>Releases the claim if it is still the one read at <paramref name="version"/>.</summary>
    Task ReleaseAsync(StorePath path, string version, CancellationToken cancellationToken);
}
