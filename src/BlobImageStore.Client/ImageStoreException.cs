using System.Net;

namespace BlobImageStore.Client;

/// <summary>
/// A FabricError answer (<c>{"Error":{"Code":…,"Message":…}}</c>) or an error status without a body, with the HTTP
/// status it came with. <see cref="Code"/> is kept as sent: the spec's enum is open (<c>modelAsString</c>).
/// </summary>
public sealed class ImageStoreException : Exception
{
    public ImageStoreException(HttpStatusCode statusCode, string code, string message, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        Code = code;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The FabricError code, e.g. <c>FABRIC_E_FILE_NOT_FOUND</c>.</summary>
    public string Code { get; }

    /// <summary>True for answers that may succeed when sent again: 408, 429 and 5xx (the server, or the storage behind it, is busy or failing).</summary>
    public bool IsTransient => IsTransientStatus(StatusCode);

    public static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    public override string ToString() => $"{Code} ({(int)StatusCode}): {Message}";
}

/// <summary>The FabricError codes a client acts on (spec enum plus the runtime-only upload-session codes, IMAGESTORE-API.md §4).</summary>
public static class ImageStoreErrorCodes
{
    public const string InvalidArgument = "E_INVALIDARG";
    public const string Fail = "E_FAIL";
    public const string FileNotFound = "FABRIC_E_FILE_NOT_FOUND";
    public const string DirectoryNotFound = "FABRIC_E_DIRECTORY_NOT_FOUND";

    /// <summary>What the official client makes of a 404 without a body; used here the same way.</summary>
    public const string DoesNotExist = "FABRIC_E_DOES_NOT_EXIST";
    public const string ValueTooLarge = "FABRIC_E_VALUE_TOO_LARGE";
    public const string Timeout = "FABRIC_E_TIMEOUT";
    public const string InvalidNameUri = "FABRIC_E_INVALID_NAME_URI";
    public const string PathTooLong = "FABRIC_E_PATH_TOO_LONG";
    public const string UploadSessionRangeNotSatisfiable = "FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE";
    public const string InvalidUploadSessionId = "FABRIC_E_INVALID_UPLOAD_SESSION_ID";
    public const string UploadSessionIdConflict = "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT";
    public const string AccessDenied = "E_ACCESSDENIED";
}
