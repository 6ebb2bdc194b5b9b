using System.Globalization;
using System.Text.Json.Serialization;

namespace BlobImageStore.Client;

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
