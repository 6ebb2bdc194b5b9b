using System.Net;

namespace BlobImageStore.Client;

/// <summary>
/// A FabricError answer (<c>{"Error":{"Code":…,"Message":…}}</c>) or an error status without a body, with the HTTP
/// status it came with. <see cref="Code"/> is kept as sent: the spec's enum is open (<c>modelAsString</c>).
/// </summary>
public sealed class ImageStoreException : Exception
{
    /// <summary>An error answer.</summary>
    /// <param name="statusCode">The HTTP status of the answer.</param>
    /// <param name="code">The FabricError code, or the code made from the status when the answer had no FabricError body.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The failure that caused this one, if any.</param>
    public ImageStoreException(HttpStatusCode statusCode, string code, string message, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        Code = code;
    }

    /// <summary><c>FABRIC_E_DOES_NOT_EXIST</c>: the code of a 404 without a FabricError body, as the official client
    /// names it (the server's own codes are <see cref="Errors.FabricErrorCodes"/>).</summary>
    public const string DoesNotExist = "FABRIC_E_DOES_NOT_EXIST";

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The FabricError code, e.g. <c>FABRIC_E_FILE_NOT_FOUND</c>.</summary>
    public string Code { get; }

    /// <summary>True when the answer carried a FabricError body; false for a bare status (e.g. a 404 from a host that
    /// does not serve the image store at that address, or the API's own bodiless 404 for a missing path).</summary>
    public bool HasFabricError { get; init; } = true;

    /// <summary>The delay the server asked for with <c>Retry-After</c> (429, 503), if any; the client's retries honour it.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>True for answers that may succeed when sent again: 408, 429 and 5xx (the server, or the storage behind it, is busy or failing).</summary>
    public bool IsTransient => IsTransientStatus(StatusCode);

    /// <summary>True for the statuses worth sending again: 408, 429 and 5xx.</summary>
    /// <param name="status">An HTTP status.</param>
    /// <returns>Whether a retry may succeed.</returns>
    public static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <inheritdoc/>
    public override string ToString() => $"{Code} ({(int)StatusCode}): {Message}";
}
