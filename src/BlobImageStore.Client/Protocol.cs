using System.Globalization;
using System.Text.Json.Serialization;

namespace BlobImageStore.Client;

// What the client knows of the wire protocol, in this one file so that it can be replaced by the shared protocol
// library (issue 13, item 6) when the server's side of it has settled: the byte range, the error codes, the chunk rule
// and its constants, the mark file's name, and the wire shapes with their JSON context. (Store-path rules are in
// StorePaths.cs: the client's normalising and encoding, which the shared library's rules will check.)

/// <summary>The protocol's constants, as the server applies them.</summary>
public static class ImageStoreProtocol
{
    /// <summary>Chunk boundaries the server allows per file: half of Azure's 50,000 committed blocks per blob, so every
    /// chunk but the one holding the last byte is at least <c>ceil(size / 25,000)</c> bytes.</summary>
    public const int MaxChunks = 25_000;

    /// <summary>The server's default largest chunk (<c>ImageStore:MaxChunkSize</c>, the Azure Functions request limit).</summary>
    public const long DefaultMaxChunkSize = 100_000_000;

    /// <summary>The mark file of a complete folder (written last by package uploads, checked by Copy's <c>CheckMarkFile</c>).</summary>
    public const string MarkFileName = "_.dir";
}

/// <summary>An inclusive byte range, as <c>ExpectedRanges</c> and <c>Content-Range</c> use them.</summary>
public readonly record struct ByteRange(long First, long Last)
{
    /// <summary>Bytes in the range.</summary>
    public long Length => Last - First + 1;

    /// <summary><c>First-Last</c>.</summary>
    /// <returns>The range as the protocol writes it.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{First}-{Last}");
}

/// <summary>The FabricError codes a client acts on (spec enum plus the runtime-only upload-session codes, IMAGESTORE-API.md §4).</summary>
public static class ImageStoreErrorCodes
{
    /// <summary><c>E_INVALIDARG</c>.</summary>
    public const string InvalidArgument = "E_INVALIDARG";

    /// <summary><c>E_FAIL</c>.</summary>
    public const string Fail = "E_FAIL";

    /// <summary><c>FABRIC_E_FILE_NOT_FOUND</c>.</summary>
    public const string FileNotFound = "FABRIC_E_FILE_NOT_FOUND";

    /// <summary><c>FABRIC_E_DIRECTORY_NOT_FOUND</c>.</summary>
    public const string DirectoryNotFound = "FABRIC_E_DIRECTORY_NOT_FOUND";

    /// <summary>What the official client makes of a 404 without a body; used here the same way.</summary>
    public const string DoesNotExist = "FABRIC_E_DOES_NOT_EXIST";

    /// <summary><c>FABRIC_E_VALUE_TOO_LARGE</c>.</summary>
    public const string ValueTooLarge = "FABRIC_E_VALUE_TOO_LARGE";

    /// <summary><c>FABRIC_E_TIMEOUT</c>.</summary>
    public const string Timeout = "FABRIC_E_TIMEOUT";

    /// <summary><c>FABRIC_E_INVALID_NAME_URI</c>.</summary>
    public const string InvalidNameUri = "FABRIC_E_INVALID_NAME_URI";

    /// <summary><c>FABRIC_E_PATH_TOO_LONG</c>.</summary>
    public const string PathTooLong = "FABRIC_E_PATH_TOO_LONG";

    /// <summary><c>FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE</c>.</summary>
    public const string UploadSessionRangeNotSatisfiable = "FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE";

    /// <summary><c>FABRIC_E_INVALID_UPLOAD_SESSION_ID</c>.</summary>
    public const string InvalidUploadSessionId = "FABRIC_E_INVALID_UPLOAD_SESSION_ID";

    /// <summary><c>FABRIC_E_UPLOAD_SESSION_ID_CONFLICT</c>.</summary>
    public const string UploadSessionIdConflict = "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT";

    /// <summary><c>E_ACCESSDENIED</c>.</summary>
    public const string AccessDenied = "E_ACCESSDENIED";
}

// The wire shapes of servicefabric-imagestore.json, read leniently the way the official client reads them: names
// case-insensitively, 64-bit numbers from JSON strings (the spec) or numbers, absent fields as null.

internal sealed record UploadSessionWire(List<UploadSessionInfoWire>? UploadSessions);

internal sealed record UploadSessionInfoWire(string? StoreRelativePath, string? SessionId, string? ModifiedDate, long? FileSize, List<UploadChunkRangeWire>? ExpectedRanges);

internal sealed record UploadChunkRangeWire(long? StartPosition, long? EndPosition);

internal sealed record ImageStoreContentWire(List<FileInfoWire>? StoreFiles, List<FolderInfoWire>? StoreFolders, string? ContinuationToken);

internal sealed record FileInfoWire(long? FileSize, FileVersionWire? FileVersion, string? ModifiedDate, string? StoreRelativePath);

internal sealed record FileVersionWire(long? VersionNumber, long? EpochDataLossNumber, long? EpochConfigurationNumber);

internal sealed record FolderInfoWire(string? StoreRelativePath, long? FileCount);

internal sealed record FolderSizeInfoWire(string? StoreRelativePath, long? FolderSize);

internal sealed record ImageStoreInfoWire(DiskInfoWire? DiskInfo, UsageInfoWire? UsedByMetadata, UsageInfoWire? UsedByStaging, UsageInfoWire? UsedByCopy, UsageInfoWire? UsedByRegister);

internal sealed record DiskInfoWire(long? Capacity, long? AvailableSpace);

internal sealed record UsageInfoWire(long? UsedSpace, long? FileCount);

internal sealed record FabricErrorWire(FabricErrorDetailWire? Error);

internal sealed record FabricErrorDetailWire(string? Code, string? Message);

internal sealed record CopyDescriptionWire(string RemoteSource, string RemoteDestination, List<string>? SkipFiles, bool? CheckMarkFile);

[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UploadSessionWire))]
[JsonSerializable(typeof(ImageStoreContentWire))]
[JsonSerializable(typeof(FolderSizeInfoWire))]
[JsonSerializable(typeof(ImageStoreInfoWire))]
[JsonSerializable(typeof(FabricErrorWire))]
[JsonSerializable(typeof(CopyDescriptionWire))]
internal sealed partial class WireJson : JsonSerializerContext;

internal static class WireMapping
{
    public static UploadSessionInfo ToModel(this UploadSessionInfoWire w) => new(
        w.StoreRelativePath ?? string.Empty,
        Guid.TryParse(w.SessionId, out var id) ? id : Guid.Empty,
        Date(w.ModifiedDate),
        w.FileSize ?? 0,
        (w.ExpectedRanges ?? []).Where(r => r.StartPosition is not null && r.EndPosition is not null)
            .Select(r => new ByteRange(r.StartPosition!.Value, r.EndPosition!.Value)).ToList());

    public static ImageStoreContent ToModel(this ImageStoreContentWire w) => new(
        (w.StoreFiles ?? []).Select(f => new StoreFileInfo(
            f.StoreRelativePath ?? string.Empty,
            f.FileSize ?? 0,
            f.FileVersion is { } v ? new StoreFileVersion(Text(v.VersionNumber), Text(v.EpochDataLossNumber), Text(v.EpochConfigurationNumber)) : null,
            Date(f.ModifiedDate))).ToList(),
        (w.StoreFolders ?? []).Select(f => new StoreFolderInfo(f.StoreRelativePath ?? string.Empty, f.FileCount ?? 0)).ToList(),
        string.IsNullOrEmpty(w.ContinuationToken) ? null : w.ContinuationToken);

    public static ImageStoreInfo ToModel(this ImageStoreInfoWire w) => new(
        w.DiskInfo is { } d ? new DiskInfo(d.Capacity, d.AvailableSpace) : null,
        Usage(w.UsedByMetadata), Usage(w.UsedByStaging), Usage(w.UsedByCopy), Usage(w.UsedByRegister));

    private static UsageInfo? Usage(UsageInfoWire? u) => u is null ? null : new UsageInfo(u.UsedSpace, u.FileCount);

    private static string? Text(long? n) => n?.ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset? Date(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : null;
}
