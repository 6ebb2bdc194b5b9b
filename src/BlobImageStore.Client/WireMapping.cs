using System.Globalization;

namespace BlobImageStore.Client;

// The protocol library's wire shapes (BlobImageStore.Http, shared with the server) as the client's models, read
// leniently the way the official client reads them: names case-insensitively, 64-bit numbers from JSON strings (the
// spec) or numbers, absent fields as null (ImageStoreJson.Default).

internal static class WireMapping
{
    public static UploadSessionInfo ToModel(this UploadSessionInfoBody w) => new(
        w.StoreRelativePath ?? string.Empty,
        Guid.TryParse(w.SessionId, out var id) ? id : Guid.Empty,
        Date(w.ModifiedDate),
        w.FileSize ?? 0,
        (w.ExpectedRanges ?? []).Where(r => r.StartPosition is not null && r.EndPosition is not null)
            .Select(r => new ByteRange(r.StartPosition!.Value, r.EndPosition!.Value)).ToList());

    public static ImageStoreContent ToModel(this ImageStoreContentBody w) => new(
        (w.StoreFiles ?? []).Select(f => new StoreFileInfo(
            f.StoreRelativePath ?? string.Empty,
            f.FileSize ?? 0,
            f.FileVersion is { } v ? new StoreFileVersion(v.VersionNumber, v.EpochDataLossNumber, v.EpochConfigurationNumber) : null,
            Date(f.ModifiedDate))).ToList(),
        (w.StoreFolders ?? []).Select(f => new StoreFolderInfo(f.StoreRelativePath ?? string.Empty, f.FileCount ?? 0)).ToList(),
        string.IsNullOrEmpty(w.ContinuationToken) ? null : w.ContinuationToken);

    public static ImageStoreInfo ToModel(this ImageStoreInfoBody w) => new(
        w.DiskInfo is { } d ? new DiskInfo(d.Capacity, d.AvailableSpace) : null,
        Usage(w.UsedByMetadata), Usage(w.UsedByStaging), Usage(w.UsedByCopy), Usage(w.UsedByRegister));

    private static UsageInfo? Usage(UsageInfoBody? u) => u is null ? null : new UsageInfo(u.UsedSpace, u.FileCount);

    private static DateTimeOffset? Date(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : null;
}
