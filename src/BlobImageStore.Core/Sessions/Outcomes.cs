using BlobImageStore.Paths;

namespace BlobImageStore.Sessions;

/// <summary>
/// What an operation of the protocol did, as a typed value: the core never throws for a refusal, and never knows HTTP.
/// The HTTP layer maps each outcome to its answer in one catalogue (<c>Http/ErrorCatalogue.cs</c>).
/// </summary>
public abstract record Outcome
{
    public bool Succeeded => this is ChunkAccepted or ResendMatched or SessionCommitted or SessionDeleted or WriteClaimed;
}

// ---- successes ----

/// <summary>The chunk is received; <paramref name="BytesStored"/> of it were staged.</summary>
public sealed record ChunkAccepted(long BytesStored) : Outcome;

/// <summary>The chunk was received before with exactly these bytes (checked against its digest); nothing was staged.</summary>
public sealed record ResendMatched : Outcome;

public sealed record SessionCommitted(bool Already) : Outcome;

public sealed record SessionDeleted(bool Existed) : Outcome;

/// <summary>The caller now holds the path's write claim (a lease).</summary>
public sealed record WriteClaimed(Versioned<PathClaim> Claim) : Outcome;

// ---- refusals: each leaves nothing that counts and alters nothing that already counts ----

/// <summary>A re-send of a received range with other bytes than the server holds.</summary>
public sealed record ResendConflict(Guid SessionId, ByteRange Range) : Outcome;

/// <summary>The range overlaps received bytes without being exactly a received chunk.</summary>
public sealed record RangeOverlap(Guid SessionId, ContentRange Range, IReadOnlyList<ByteRange> Overlap, IReadOnlyList<ByteRange> Missing) : Outcome;

/// <summary>Another request staged other bytes for an overlapping range at the same moment; this one stood back.</summary>
public sealed record RaceConflict(Guid SessionId, ByteRange Range) : Outcome;

/// <summary>The range holds two different complete copies (a race whose loser was cut off): the session cannot tell which
/// one it acknowledged.</summary>
public sealed record DuplicateConflict(Guid SessionId, ByteRange Range) : Outcome;

/// <summary>The chunk's body was received and checked, but it could not be kept before its attempt's confirm-by time
/// (<paramref name="ConfirmBy"/>: its deadline plus the clock skew); nothing of it counts.</summary>
public sealed record ChunkTooSlow(Guid SessionId, ByteRange Range, DateTimeOffset ConfirmBy) : Outcome;

/// <summary>The session was committed, deleted or expired (<see cref="UploadSessionRecord.State"/>); <paramref name="At"/> is when.</summary>
public sealed record SessionEnded(UploadSessionRecord Record, DateTimeOffset At) : Outcome;

public sealed record SessionNotFound(Guid SessionId) : Outcome;

/// <summary>Another session or write holds the path; <paramref name="Holder"/> is the session's record when it is a session.</summary>
public sealed record PathHeld(StorePath Path, PathClaim Claim, UploadSessionRecord? Holder, WriteAction Action) : Outcome;

public sealed record WrongPath(Guid SessionId, string SessionPath, StorePath Requested) : Outcome;

public sealed record WrongFileSize(Guid SessionId, long SessionFileSize, long RequestedFileSize) : Outcome;

public sealed record Incomplete(Guid SessionId, long FileSize, IReadOnlyList<ByteRange> Missing) : Outcome;

public sealed record CommitInProgress(Guid SessionId) : Outcome;

/// <summary>The session belongs to another principal, of kind <paramref name="OwnerKind"/> (<see cref="SessionOwners"/>).</summary>
public sealed record NotOwner(Guid SessionId, string OwnerKind) : Outcome;

/// <summary>The body ended before the range did.</summary>
public sealed record BodyTooShort(ContentRange Range, long Received) : Outcome;

public sealed record BodyTooLong(ContentRange Range) : Outcome;

public sealed record Md5Mismatch(ContentRange Range) : Outcome;

/// <summary>The record or claim kept changing under the request (many requests at once): retry.</summary>
public sealed record Busy(Guid? SessionId, string? Path) : Outcome;

/// <summary>A path the store cannot hold (a Copy's destination path joined with a source file's name); <paramref name="Member"/>
/// names the request member it came from.</summary>
public sealed record InvalidPath(StorePathError Error, string? Member = null) : Outcome;

// ---- the chunk size rules (ChunkLayout.Check), before anything is read or written ----

/// <summary>The file is larger than Azure's committed blocks can hold at the session's block size.</summary>
public sealed record FileTooLarge(long FileSize, long MaxFileSize, int BlockSize) : Outcome;

/// <summary>The chunk is larger than <c>ImageStore:MaxChunkSize</c>.</summary>
public sealed record ChunkTooLarge(long ChunkLength, long MaxChunkSize) : Outcome;

/// <summary>The request's <c>Content-Length</c> is not the length its range names.</summary>
public sealed record BodyLengthMismatch(ContentRange Range, long ContentLength) : Outcome;

/// <summary>A chunk other than the one holding the file's last byte is smaller than the file's minimum chunk
/// (<see cref="ChunkLayout.MinChunkSize"/>), which would let the file outgrow Azure's committed blocks.</summary>
public sealed record ChunkTooSmall(ContentRange Range, long MinChunkSize) : Outcome;

/// <summary>Who wants to write a path, for the messages.</summary>
public enum WriteAction
{
    StartSession,
    UploadFile,
    Copy,
    Delete,
}
