using System.Globalization;
using System.Text.Json.Serialization;

namespace BlobImageStore.Http;

// Wire shapes of the upload sessions and errors (servicefabric-imagestore.json), and the JSON context of every wire
// shape: PascalCase names exactly as the spec spells them, 64-bit numbers as JSON strings, dates as ISO-8601 UTC with
// milliseconds.

/// <summary><c>UploadSession</c>: the open sessions of a file (at most one here).</summary>
/// <param name="UploadSessions">The sessions.</param>
public sealed record UploadSessionBody(IReadOnlyList<UploadSessionInfoBody>? UploadSessions);

/// <summary><c>UploadSessionInfo</c>.</summary>
/// <param name="StoreRelativePath">The file's path, with the server's separator.</param>
/// <param name="SessionId">The session's GUID.</param>
/// <param name="ModifiedDate">Last accepted chunk, ISO-8601 UTC.</param>
/// <param name="FileSize">Size of the whole file.</param>
/// <param name="ExpectedRanges">The byte ranges the server has not received yet.</param>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
public sealed record UploadSessionInfoBody(
    string? StoreRelativePath,
    string? SessionId,
    string? ModifiedDate,
    long? FileSize,
    IReadOnlyList<UploadChunkRangeBody>? ExpectedRanges);

/// <summary><c>UploadChunkRange</c>: an inclusive byte range.</summary>
/// <param name="StartPosition">First byte.</param>
/// <param name="EndPosition">Last byte (inclusive).</param>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
public sealed record UploadChunkRangeBody(long? StartPosition, long? EndPosition);

/// <summary><c>FabricError</c>: the body of every refusal.</summary>
/// <param name="Error">Code and message.</param>
public sealed record FabricErrorBody(FabricErrorDetail? Error);

/// <summary><c>FabricErrorError</c>.</summary>
/// <param name="Code">One of <see cref="Errors.FabricErrorCodes"/>.</param>
/// <param name="Message">What happened and what to do next.</param>
public sealed record FabricErrorDetail(string? Code, string? Message);

/// <summary>Formatting rules of the wire.</summary>
public static class WireFormat
{
    /// <summary>A 64-bit number as the spec writes it (a JSON string of invariant digits).</summary>
    /// <param name="value">The number.</param>
    /// <returns>Its text.</returns>
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A date as the runtime writes it: ISO-8601 UTC with milliseconds.</summary>
    /// <param name="value">The time.</param>
    /// <returns>Its text.</returns>
    public static string Date(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}

/// <summary>
/// The JSON context of every wire shape. <see cref="JsonSerializerContext.Options"/> of <c>Default</c> read the way
/// the official client reads (names case-insensitively) and leave out null members when writing: the client's use.
/// </summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
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
