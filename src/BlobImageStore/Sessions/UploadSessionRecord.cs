namespace BlobImageStore.Sessions;

/// <summary>
/// The small record kept for each upload session (one JSON blob in the session container). The bytes themselves
/// live only as blocks on the target blob; this holds what blocks cannot: the path, the file size, the times, and
/// the incarnation that makes this session's block IDs differ from those of an earlier session with the same id.
/// After a commit the record stays as a tombstone (<see cref="SessionState.Committed"/>) so a repeated commit is 200.
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
}

/// <summary>A stored value and the version (ETag) it was read at, for conditional writes.</summary>
public readonly record struct Versioned<T>(T Value, string Version);
