using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http;

/// <summary>
/// A status with no body, as the gateway sends listings' 204 (nothing to list) and 404 (nothing there) — note S10.
/// From api-version 6.2 on they are bare statuses with no Content-Type; below 6.2 the runtime sent them through its
/// success path, with <c>Content-Type: application/json</c> and still no body.
/// </summary>
public sealed class BareStatusResult(int status, bool jsonContentType) : IResult
{
    public int Status { get; } = status;

    public static BareStatusResult For(ImageStoreRequest request, int status) => new(status, ApiVersionBelow(request, 6.2));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = Status;
        if (jsonContentType)
        {
            httpContext.Response.ContentType = "application/json";
        }

        if (Status != StatusCodes.Status204NoContent)
        {
            httpContext.Response.ContentLength = 0;
        }

        return Task.CompletedTask;
    }

    private static bool ApiVersionBelow(ImageStoreRequest request, double version)
    {
        var text = request.Query("api-version") ?? string.Empty;
        var number = text.EndsWith("-preview", StringComparison.OrdinalIgnoreCase) ? text[..^"-preview".Length] : text;
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && v < version;
    }
}
