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

    /// <summary>The whole claim: who holds the path, since when, and whether its staged blocks are being discarded.</summary>
    Task<Versioned<PathClaim>?> GetClaimAsync(StorePath path, CancellationToken cancellationToken);

    /// <summary>Claims the path for the session if nobody holds it (or takes over the claim read at <paramref name="replacing"/>).</summary>
    Task<bool> TryClaimAsync(StorePath path, Guid sessionId, string? replacing, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the claim read at its version as "releasing": its holder is gone and the path's staged blocks are about to be
    /// discarded, so no new session may take the path until the claim is released. Returns the new version, or null when
    /// the claim changed meanwhile (then someone else owns what happens to the path).
    /// </summary>
    Task<string?> TryMarkReleasingAsync(StorePath path, Versioned<PathClaim> claim, CancellationToken cancellationToken);

    /// <summary>Releases the claim if it is still the one read at <paramref name="version"/>.</summary>
    Task ReleaseAsync(StorePath path, string version, CancellationToken cancellationToken);
}

/// <summary>Lists the session container for the cleanup: session records by prefix <c>sessions/</c>, claims by <c>paths/</c>.</summary>
public interface ISessionRecordScan
{
    /// <summary>Every session record's id, with the state and modified time it was last written with (null when unknown).</summary>
    IAsyncEnumerable<SessionRecordEntry> ListSessionsAsync(CancellationToken cancellationToken);

    /// <summary>Every path claim, read at its current version.</summary>
    IAsyncEnumerable<Versioned<PathClaim>> ListClaimsAsync(CancellationToken cancellationToken);
}

/// <summary>A listed session record: enough to tell whether the cleanup has anything to do with it before reading it.</summary>
public readonly record struct SessionRecordEntry(Guid SessionId, SessionState? State, DateTimeOffset? Modified);
