namespace BlobImageStore.Sessions;

/// <summary>
/// The small record kept for each upload session (one JSON blob in the session container). The bytes themselves
/// live only as blocks on the target blob; this holds what blocks cannot: the path, the file size, the times, and
/// the incarnation that makes this session's block IDs differ from those of an earlier session with the same id.
/// After a commit the record stays as a tombstone (<see cref="SessionState.Committed"/>) so a repeated commit is 200;
/// after expiry the cleanup turns it into a tombstone (<see cref="SessionState.Expired"/>) so a late chunk or commit
/// learns that the session expired. The cleanup deletes tombstones after <c>ImageStore:TombstoneRetention</c>.
/// </summary>
public sealed record UploadSessionRecord(
    Guid SessionId,
    string Path,
    long FileSize,
    uint Incarnation,
    DateTimeOffset Created,
    DateTimeOffset Modified,
    SessionState State);

public enum SessionState
{
    Open,
    Committed,

    /// <summary>Expired and cleaned up: its staged blocks were discarded and its path released.</summary>
    Expired,
}

/// <summary>A stored value and the version (ETag) it was read at, for conditional writes.</summary>
public readonly record struct Versioned<T>(T Value, string Version);
