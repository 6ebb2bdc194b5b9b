using System.Text.Json.Serialization;

namespace BlobImageStore.Http;

// Wire shapes of the content operations (servicefabric-imagestore.json), shared by the server (which writes them) and
// the client (which reads them): PascalCase names exactly as the spec spells them, 64-bit numbers written as JSON
// strings and read from strings or numbers, dates as ISO-8601 UTC with milliseconds (see WireFormat). Members are
// nullable so that a reader takes an absent member as null; the server always fills them.

/// <summary>
/// <c>ImageStoreContent</c>. The server always sends both lists (empty rather than absent). <c>ContinuationToken</c> is
/// not in the spec's definition but is what the runtime sends when a listing has more pages (note S11); it is left out
/// on the last page.
/// </summary>
/// <param name="StoreFiles">The files of the page.</param>
/// <param name="StoreFolders">The folders of the page.</param>
/// <param name="ContinuationToken">The next page's token; absent on the last page.</param>
public sealed record ImageStoreContentBody(
    IReadOnlyList<FileInfoBody>? StoreFiles,
    IReadOnlyList<FolderInfoBody>? StoreFolders,
    string? ContinuationToken);

/// <summary><c>FileInfo</c>: a file of a listing.</summary>
/// <param name="FileSize">Bytes in the file.</param>
/// <param name="FileVersion">Changes whenever the file is written.</param>
/// <param name="ModifiedDate">Last write, ISO-8601 UTC.</param>
/// <param name="StoreRelativePath">The file's path, with the server's separator.</param>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
public sealed record FileInfoBody(long? FileSize, FileVersionBody? FileVersion, string? ModifiedDate, string? StoreRelativePath);

/// <summary><c>FileVersion</c>: the spec's three numbers, kept as the strings the spec sends (a version number may
/// exceed a signed 64-bit number).</summary>
/// <param name="VersionNumber">Number of the write.</param>
/// <param name="EpochDataLossNumber">Service Fabric replica epoch; "0" on Blob Storage.</param>
/// <param name="EpochConfigurationNumber">Service Fabric replica epoch; "0" on Blob Storage.</param>
public sealed record FileVersionBody(string? VersionNumber, string? EpochDataLossNumber, string? EpochConfigurationNumber);

/// <summary><c>FolderInfo</c>: a folder of a listing.</summary>
/// <param name="StoreRelativePath">The folder's path, with the server's separator.</param>
/// <param name="FileCount">Files directly in the folder.</param>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
public sealed record FolderInfoBody(string? StoreRelativePath, long? FileCount);

/// <summary><c>FolderSizeInfo</c>.</summary>
/// <param name="StoreRelativePath">The folder's path, with the server's separator.</param>
/// <param name="FolderSize">Bytes of every file under the folder.</param>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
public sealed record FolderSizeInfoBody(string? StoreRelativePath, long? FolderSize);

/// <summary><c>ImageStoreInfo</c>.</summary>
/// <param name="DiskInfo">Capacity and free space.</param>
/// <param name="UsedByMetadata">Usage by metadata.</param>
/// <param name="UsedByStaging">Usage by staging (open upload sessions).</param>
/// <param name="UsedByCopy">Usage by copies.</param>
/// <param name="UsedByRegister">Usage by registered content.</param>
public sealed record ImageStoreInfoBody(
    DiskInfoBody? DiskInfo,
    UsageInfoBody? UsedByMetadata,
    UsageInfoBody? UsedByStaging,
    UsageInfoBody? UsedByCopy,
    UsageInfoBody? UsedByRegister);

/// <summary><c>DiskInfo</c>.</summary>
/// <param name="Capacity">Bytes the store can hold.</param>
/// <param name="AvailableSpace">Bytes still free.</param>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
public sealed record DiskInfoBody(long? Capacity, long? AvailableSpace);

/// <summary><c>UsageInfo</c>.</summary>
/// <param name="UsedSpace">Bytes used.</param>
/// <param name="FileCount">Files.</param>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
public sealed record UsageInfoBody(long? UsedSpace, long? FileCount);

/// <summary><c>ClusterManifest</c> of the full Service Fabric spec: the manifest XML as one string.</summary>
/// <param name="Manifest">The manifest XML.</param>
public sealed record ClusterManifestBody(string Manifest);

/// <summary>
/// <c>ImageStoreCopyDescription</c>. Every member is optional here so that the server answers a missing one with a
/// message naming it, not a serializer error. Names are matched case-insensitively and unknown members (the runtime's
/// <c>CopyFlag</c>) are ignored.
/// </summary>
/// <param name="RemoteSource">The store path copied from.</param>
/// <param name="RemoteDestination">The store path copied to.</param>
/// <param name="SkipFiles">File names to leave out.</param>
/// <param name="CheckMarkFile">With true, a folder is copied only if it has its <c>_.dir</c> mark file.</param>
public sealed record CopyDescriptionBody(
    string? RemoteSource,
    string? RemoteDestination,
    IReadOnlyList<string?>? SkipFiles,
    bool? CheckMarkFile);
