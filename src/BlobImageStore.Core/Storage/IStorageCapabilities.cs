using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.Storage;

// The storage ports of the protocol. Results are neutral: a conditional write whose condition failed returns null or
// false, a missing item returns null; only the adapters see the storage SDK and its exceptions. Storage that cannot be
// reached surfaces as an exception the hosts map to 503 (see Http/ErrorCatalogue.cs).

/// <summary>Staged blocks on a file's blob: the bytes of open upload sessions.</summary>
public interface IBlockStaging
{
    /// <summary>Committed and uncommitted blocks of the blob (empty when it has none).</summary>
    Task<IReadOnlyList<StagedBlock>> GetBlocksAsync(StorePath path, CancellationToken cancellationToken);

    /// <summary>
    /// Put Block: stages one block (re-staging an ID replaces it). The store verifies <paramref name="md5"/> on arrival:
    /// false when the bytes it received do not match it (Md5Mismatch), and then nothing was staged.
    /// </summary>
    Task<bool> StageAsync(StorePath path, string blockId, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken);

    /// <summary>
    /// Put Block List: the blob becomes exactly these blocks and every other uncommitted block of it is discarded.
    /// False when a listed block does not exist (InvalidBlockList): nothing changed.
    /// </summary>
    Task<bool> TryCommitAsync(StorePath path, IReadOnlyList<string> blockIds, CancellationToken cancellationToken);
}

/// <summary>Put Block with an MD5 this process computed from the very buffer it sends.</summary>
public static class BlockStagingExtensions
{
    /// <summary>
    /// Stages the block; the store refusing it means the bytes changed between this process and the store, which no
    /// caller can correct, so it is an error (an exception), not an outcome.
    /// </summary>
    public static async Task StageOwnAsync(this IBlockStaging staging, StorePath path, string blockId, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken)
    {
        if (!await staging.StageAsync(path, blockId, content, md5, cancellationToken))
        {
            throw new IOException($"The store received other bytes for a block of '{path.Value}' than were sent (its MD5 did not match).");
        }
    }
}

/// <summary>Upload-session records, by session id, with optimistic concurrency.</summary>
public interface ISessionRecords
{
    Task<Versioned<UploadSessionRecord>?> GetAsync(Guid sessionId, CancellationToken cancellationToken);

    /// <summary>Creates the record if none exists (If-None-Match: *); null when one exists.</summary>
    Task<string?> TryCreateAsync(UploadSessionRecord record, CancellationToken cancellationToken);

    /// <summary>Replaces the record read at <paramref name="version"/> (If-Match); null when it changed or vanished meanwhile.</summary>
    Task<string?> TryReplaceAsync(UploadSessionRecord record, string version, CancellationToken cancellationToken);

    /// <summary>Deletes the record read at <paramref name="version"/>; false when it changed or vanished meanwhile.</summary>
    Task<bool> TryDeleteAsync(Guid sessionId, string version, CancellationToken cancellationToken);

    /// <summary>Every record, with what the cleanup needs to know whether it is due (listed, not read).</summary>
    IAsyncEnumerable<SessionRecordEntry> ListAsync(CancellationToken cancellationToken);
}

/// <summary>A listed session record; <paramref name="Bytes"/> is the size it takes in storage (for Info's usage summary).</summary>
public readonly record struct SessionRecordEntry(Guid SessionId, SessionState? State, DateTimeOffset? DueAt, long? ReceivedBytes, long Bytes = 0);

/// <summary>Path claims (<see cref="PathClaim"/>), stored by path (<see cref="ClaimNames"/>), with optimistic concurrency.</summary>
public interface IPathClaims
{
    Task<Versioned<PathClaim>?> GetAsync(StorePath path, CancellationToken cancellationToken);

    /// <summary>Creates the claim if the path has none (If-None-Match: *); null when it has one.</summary>
    Task<string?> TryCreateAsync(PathClaim claim, CancellationToken cancellationToken);

    /// <summary>Replaces the claim read at <paramref name="version"/>; null when it changed or vanished meanwhile.</summary>
    Task<string?> TryReplaceAsync(PathClaim claim, string version, CancellationToken cancellationToken);

    /// <summary>Deletes the claim read at <paramref name="version"/>; false when it changed or vanished meanwhile.</summary>
    Task<bool> TryDeleteAsync(StorePath path, string version, CancellationToken cancellationToken);

    /// <summary>The claims on <paramref name="path"/> and below it (every claim when null): one read plus one prefix listing.</summary>
    IAsyncEnumerable<Versioned<PathClaim>> ListAsync(StorePath? path, CancellationToken cancellationToken);

    /// <summary>Every claim with the size it takes in storage (the cleanup's walk, which also measures the session
    /// container for Info): one prefix listing plus one read per claim, as <see cref="ListAsync"/> with no path.</summary>
    IAsyncEnumerable<ListedClaim> ListEveryAsync(CancellationToken cancellationToken);
}

/// <summary>A listed claim and its size in storage.</summary>
public readonly record struct ListedClaim(Versioned<PathClaim> Claim, long Bytes);
