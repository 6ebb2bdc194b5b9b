using System.Net;

namespace BlobImageStore.Errors;

/// <summary>
/// A failure that reaches the client as the spec's <c>FabricError</c> body
/// (<c>{"Error":{"Code":…,"Message":…}}</c>) with the status of IMAGESTORE-API.md note S16.
/// Messages say what to do next, not only what went wrong.
/// </summary>
public sealed class FabricException(HttpStatusCode status, string code, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode Status { get; } = status;

    public string Code { get; } = code;

    public static FabricException InvalidArgument(string message) =>
        new(HttpStatusCode.BadRequest, FabricErrorCodes.InvalidArgument, message);

    public static FabricException RangeNotSatisfiable(string message) =>
        new(HttpStatusCode.BadRequest, FabricErrorCodes.UploadSessionRangeNotSatisfiable, message);

    public static FabricException InvalidSessionId(string message) =>
        new(HttpStatusCode.BadRequest, FabricErrorCodes.InvalidUploadSessionId, message);

    public static FabricException SessionConflict(string message) =>
        new(HttpStatusCode.Conflict, FabricErrorCodes.UploadSessionIdConflict, message);

    public static FabricException TooLarge(string message) =>
        new(HttpStatusCode.RequestEntityTooLarge, FabricErrorCodes.ValueTooLarge, message);

    public static FabricException NotFound(string message) =>
        new(HttpStatusCode.NotFound, FabricErrorCodes.FileNotFound, message);
}
