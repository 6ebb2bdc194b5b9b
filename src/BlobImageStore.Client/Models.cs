namespace BlobImageStore.Client;

/// <summary>One open upload session (the spec's <c>UploadSessionInfo</c>), numbers parsed.</summary>
public sealed record UploadSessionInfo(
    string StoreRelativePath,
    Guid SessionId,
    DateTimeOffset? ModifiedDate,
    long FileSize,
    IReadOnlyList<ByteRange> ExpectedRanges)
{
    /// <summary>Bytes the server still expects. A 0-byte file's session reports <c>[0,0]</c> and counts as 0.</summary>
    public long MissingBytes => FileSize == 0 ? 0 : ExpectedRanges.Sum(r => r.Length);

    /// <summary>Bytes the server has received (complete chunks only).</summary>
    public long ReceivedBytes => FileSize - MissingBytes;
}

/// <summary>A file in a listing (the spec's <c>FileInfo</c>).</summary>
public sealed record StoreFileInfo(string StoreRelativePath, long FileSize, StoreFileVersion? FileVersion, DateTimeOffset? ModifiedDate);

/// <summary>The spec's <c>FileVersion</c>: changes whenever the file is written (here: from the blob's ETag).</summary>
/// <param name="VersionNumber">The write's number.</param>
/// <param name="EpochDataLossNumber">Service Fabric replica epoch; "0" on Blob Storage.</param>
/// <param name="EpochConfigurationNumber">Service Fabric replica epoch; "0" on Blob Storage.</param>
public sealed record StoreFileVersion(string? VersionNumber, string? EpochDataLossNumber, string? EpochConfigurationNumber);

/// <summary>A folder in a listing (the spec's <c>FolderInfo</c>).</summary>
public sealed record StoreFolderInfo(string StoreRelativePath, long FileCount);

/// <summary>One page of a listing (the spec's <c>ImageStoreContent</c>, plus the paging token of note S11).</summary>
public sealed record ImageStoreContent(IReadOnlyList<StoreFileInfo> StoreFiles, IReadOnlyList<StoreFolderInfo> StoreFolders, string? ContinuationToken)
{
    /// <summary>A listing with nothing in it.</summary>
    public static ImageStoreContent Empty { get; } = new([], [], null);
}

/// <summary>The spec's <c>FolderSizeInfo</c>.</summary>
public sealed record FolderSizeInfo(string StoreRelativePath, long FolderSize);

/// <summary>The spec's <c>ImageStoreInfo</c>; parts the server leaves out are null.</summary>
public sealed record ImageStoreInfo(DiskInfo? DiskInfo, UsageInfo? UsedByMetadata, UsageInfo? UsedByStaging, UsageInfo? UsedByCopy, UsageInfo? UsedByRegister);

/// <summary>The spec's <c>DiskInfo</c>.</summary>
/// <param name="Capacity">Bytes the store can hold.</param>
/// <param name="AvailableSpace">Bytes still free.</param>
public sealed record DiskInfo(long? Capacity, long? AvailableSpace);

/// <summary>The spec's <c>UsageInfo</c>.</summary>
/// <param name="UsedSpace">Bytes used.</param>
/// <param name="FileCount">Files.</param>
public sealed record UsageInfo(long? UsedSpace, long? FileCount);

/// <summary>The spec's <c>ImageStoreCopyDescription</c>.</summary>
public sealed record CopyDescription(string RemoteSource, string RemoteDestination)
{
    /// <summary>File names to leave out of the copy.</summary>
    public IReadOnlyList<string>? SkipFiles { get; init; }

    /// <summary>With true, the copy is skipped when the source folder has no <c>_.dir</c> mark file.</summary>
    public bool? CheckMarkFile { get; init; }
}
