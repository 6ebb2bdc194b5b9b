using System.Globalization;
using System.Text.Json.Serialization;
using BlobImageStore.Sessions;

namespace BlobImageStore.Http;

// Wire shapes of the spec (servicefabric-imagestore.json): PascalCase names exactly as the spec spells them,
// 64-bit numbers as JSON strings, dates as ISO-8601 UTC with milliseconds.

public sealed record UploadSessionBody(IReadOnlyList<UploadSessionInfoBody> UploadSessions);

public sealed record UploadSessionInfoBody(
    string StoreRelativePath,
    string SessionId,
    string ModifiedDate,
    string FileSize,
    IReadOnlyList<UploadChunkRangeBody> ExpectedRanges)
{
    public static UploadSessionInfoBody From(SessionStatus status, char separator) => new(
        Paths.StorePath.Parse(status.Record.Path).ToResponsePath(separator),
        status.Record.SessionId.ToString("D"),
        WireFormat.Date(status.Record.Modified),
        WireFormat.Number(status.Record.FileSize),
        status.ExpectedRanges.Select(r => new UploadChunkRangeBody(WireFormat.Number(r.First), WireFormat.Number(r.Last))).ToList());
}

public sealed record UploadChunkRangeBody(string StartPosition, string EndPosition);

public sealed record FabricErrorBody(FabricErrorDetail Error);

public sealed record FabricErrorDetail(string Code, string Message);

/// <summary>Formatting rules of the wire.</summary>
public static class WireFormat
{
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Date(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UploadSessionBody))]
[JsonSerializable(typeof(FabricErrorBody))]
[JsonSerializable(typeof(ImageStoreContentBody))]
[JsonSerializable(typeof(FolderSizeInfoBody))]
[JsonSerializable(typeof(ImageStoreInfoBody))]
[JsonSerializable(typeof(ClusterManifestBody))]
[JsonSerializable(typeof(CopyDescriptionBody))]
public sealed partial class ImageStoreJson : JsonSerializerContext
{
    /// <summary>Answers: messages and the manifest keep their quotes, angle brackets and non-ASCII letters readable (no \u0027).</summary>
    public static ImageStoreJson Wire { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    /// <summary>Request bodies: member names case-insensitive (the runtime's JSON reader is), nothing else relaxed.</summary>
    public static ImageStoreJson Read { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        PropertyNameCaseInsensitive = true,
    });
}
