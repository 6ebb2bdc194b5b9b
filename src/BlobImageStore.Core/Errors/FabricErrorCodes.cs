namespace BlobImageStore.Errors;

/// <summary>
/// The <c>FabricErrorCodes</c> this store sends (spec enum plus the runtime-only codes of note S16). Every code here has
/// a row in docs/errors.md (status, meaning, what the client should do); a unit test keeps the two in step.
/// </summary>
public static class FabricErrorCodes
{
    public const string InvalidArgument = "E_INVALIDARG";
    public const string Fail = "E_FAIL";
    public const string PathTooLong = "FABRIC_E_PATH_TOO_LONG";
    public const string InvalidNameUri = "FABRIC_E_INVALID_NAME_URI";
    public const string FileNotFound = "FABRIC_E_FILE_NOT_FOUND";
    public const string DirectoryNotFound = "FABRIC_E_DIRECTORY_NOT_FOUND";
    public const string ValueTooLarge = "FABRIC_E_VALUE_TOO_LARGE";
    public const string Timeout = "FABRIC_E_TIMEOUT";
    public const string ServiceOffline = "FABRIC_E_SERVICE_OFFLINE";
    public const string ServiceTooBusy = "FABRIC_E_SERVICE_TOO_BUSY";

    // Not in the 9.1 swagger enum, but sent by the Service Fabric runtime (IMAGESTORE-API.md §4, S16).
    public const string UploadSessionRangeNotSatisfiable = "FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE";
    public const string InvalidUploadSessionId = "FABRIC_E_INVALID_UPLOAD_SESSION_ID";
    public const string UploadSessionIdConflict = "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT";

    // Access denied: 403 (S16); in the full Service Fabric FabricErrorCodes enum, not in the image store subset.
    public const string AccessDenied = "E_ACCESSDENIED";
}
