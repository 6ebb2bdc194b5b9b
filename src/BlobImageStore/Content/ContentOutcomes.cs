using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.Content;

// The refusals of the content operations (UploadFile, Copy, listings) as typed values, like the session protocol's
// (Sessions/Outcomes.cs): data only, no status and no words. Http/ErrorCatalogue.cs gives each its FabricError.

/// <summary>An UploadFile body longer than Azure's committed blocks hold at <c>ImageStore:BlockSize</c>: <paramref name="Size"/>
/// is the declared length, or how much was read when the limit was passed.</summary>
public sealed record UploadTooLarge(long Size, long MaxFileSize, int BlockSize) : Outcome;

/// <summary>An UploadFile body whose MD5 is not its <c>Content-MD5</c>; nothing became visible.</summary>
public sealed record UploadMd5Mismatch(byte[] Expected, byte[] Actual) : Outcome;

/// <summary>Another write of the blob discarded this UploadFile's staged blocks before its commit (only a writer that ignores
/// the path claim can).</summary>
public sealed record UploadDiscarded(StorePath Path) : Outcome;

/// <summary>A whole-file write lost the path's write claim (<see cref="WriteLease.KeepAsync"/>): it stopped, and wrote
/// nothing more of <paramref name="Path"/>.</summary>
public sealed record WriteLeaseLost(StorePath Path, WriteAction Action) : Outcome;

/// <summary>A Copy whose destination is its source or inside it.</summary>
public sealed record CopyIntoSource(StorePath Source, StorePath Destination) : Outcome;

/// <summary>A Copy whose source is neither a file nor a folder.</summary>
public sealed record CopySourceMissing(StorePath Source) : Outcome;

/// <summary>A source file of a Copy was deleted while it was being copied to <paramref name="Target"/>; the copy is incomplete.</summary>
public sealed record CopySourceVanished(string From, StorePath Target) : Outcome;

/// <summary>A <c>ContinuationToken</c> that is not one this server gave out for the listing of <paramref name="Listed"/>
/// (null: the store root).</summary>
public sealed record InvalidContinuationToken(string Token, StorePath? Listed) : Outcome;
