using System.Text.Json.Serialization;

namespace BlobImageStore.Http;

// Wire shapes of the content operations (servicefabric-imagestore.json): PascalCase names exactly as the spec spells
// them, 64-bit numbers as JSON strings (see WireFormat), dates as ISO-8601 UTC with milliseconds.

/// <summary>
/// <c>ImageStoreContent</c>. Both lists are always present (empty rather than absent). <c>ContinuationToken</c> is not in
/// the spec's definition but is what the runtime sends when a listing has more pages (note S11); it is left out on the
/// last page.
/// </summary>
public sealed record ImageStoreContentBody(
    IReadOnlyList<FileInfoBody> StoreFiles,
    IReadOnlyList<FolderInfoBody> StoreFolders,
    string? ContinuationToken);

public sealed record FileInfoBody(string FileSize, FileVersionBody FileVersion, string ModifiedDate, string StoreRelativePath);

public sealed record FileVersionBody(string VersionNumber, string EpochDataLossNumber, string EpochConfigurationNumber);

public sealed record FolderInfoBody(string StoreRelativePath, string FileCount);

public sealed record FolderSizeInfoBody(string StoreRelativePath, string FolderSize);

public sealed record ImageStoreInfoBody(
    DiskInfoBody DiskInfo,
    UsageInfoBody UsedByMetadata,
    UsageInfoBody UsedByStaging,
    UsageInfoBody UsedByCopy,
    UsageInfoBody UsedByRegister);

public sealed record DiskInfoBody(string Capacity, string AvailableSpace);

public sealed record UsageInfoBody(string UsedSpace, string FileCount);

/// <summary><c>ClusterManifest</c> of the full Service Fabric spec: the manifest XML as one string.</summary>
public sealed record ClusterManifestBody(string Manifest);

/// <summary>
/// <c>ImageStoreCopyDescription</c> as it arrives: every member optional here so that a missing one is answered with a
/// message naming it, not a serializer error. Names are matched case-insensitively and unknown members (the runtime's
/// <c>CopyFlag</c>) are ignored.
/// </summary>
public sealed record CopyDescriptionBody(
    string? RemoteSource,
    string? RemoteDestination,
    IReadOnlyList<string?>? SkipFiles,
    bool? CheckMarkFile);
