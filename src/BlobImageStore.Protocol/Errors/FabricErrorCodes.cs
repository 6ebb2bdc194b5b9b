namespace BlobImageStore.Errors;

/// <summary>
/// The <c>FabricErrorCodes</c> this store sends (spec enum plus the runtime-only codes of note S16). Every code here has
/// a row in docs/errors.md (status, meaning, what the client should do); a unit test keeps the two in step.
/// </summary>
public static class FabricErrorCodes
{
    /// <summary><c>E_INVALIDARG</c>: a request the server cannot act on as sent (400, or 415 for a wrong media type).</summary>
    public const string InvalidArgument = "E_INVALIDARG";

    /// <summary><c>E_FAIL</c>: an unexpected server or storage failure (500).</summary>
    public const string Fail = "E_FAIL";

    /// <summary><c>FABRIC_E_PATH_TOO_LONG</c>: a store path over 1,024 characters or 254 segments (400).</summary>
    public const string PathTooLong = "FABRIC_E_PATH_TOO_LONG";

    /// <summary><c>FABRIC_E_INVALID_NAME_URI</c>: a store path the store cannot hold (400).</summary>
    public const string InvalidNameUri = "FABRIC_E_INVALID_NAME_URI";

    /// <summary><c>FABRIC_E_FILE_NOT_FOUND</c>: no such file or upload session (404).</summary>
    public const string FileNotFound = "FABRIC_E_FILE_NOT_FOUND";

    /// <summary><c>FABRIC_E_DIRECTORY_NOT_FOUND</c>: no such folder (404).</summary>
    public const string DirectoryNotFound = "FABRIC_E_DIRECTORY_NOT_FOUND";

    /// <summary><c>FABRIC_E_VALUE_TOO_LARGE</c>: a chunk or file over the store's limits (413).</summary>
    public const string ValueTooLarge = "FABRIC_E_VALUE_TOO_LARGE";

    /// <summary><c>FABRIC_E_TIMEOUT</c>: the request's timeout passed (504).</summary>
    public const string Timeout = "FABRIC_E_TIMEOUT";

    /// <summary><c>FABRIC_E_SERVICE_OFFLINE</c>: the storage cannot be reached (503).</summary>
    public const string ServiceOffline = "FABRIC_E_SERVICE_OFFLINE";

    /// <summary><c>FABRIC_E_SERVICE_TOO_BUSY</c>: throttled or contended; retry (503).</summary>
    public const string ServiceTooBusy = "FABRIC_E_SERVICE_TOO_BUSY";

    // Not in the 9.1 swagger enum, but sent by the Service Fabric runtime (IMAGESTORE-API.md §4, S16).

    /// <summary><c>FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE</c>: a chunk's range is malformed or overlaps received bytes (400).</summary>
    public const string UploadSessionRangeNotSatisfiable = "FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE";

    /// <summary><c>FABRIC_E_INVALID_UPLOAD_SESSION_ID</c>: a session id that is not a GUID (400).</summary>
    public const string InvalidUploadSessionId = "FABRIC_E_INVALID_UPLOAD_SESSION_ID";

    /// <summary><c>FABRIC_E_UPLOAD_SESSION_ID_CONFLICT</c>: the session or path is in a state that refuses this request (409).</summary>
    public const string UploadSessionIdConflict = "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT";

    /// <summary><c>E_ACCESSDENIED</c>: authenticated but not allowed (403); in the full Service Fabric FabricErrorCodes
    /// enum, not in the image store subset.</summary>
    public const string AccessDenied = "E_ACCESSDENIED";
}
