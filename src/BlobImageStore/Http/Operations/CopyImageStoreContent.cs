using System.Text.Json;
using BlobImageStore.Content;
using BlobImageStore.Errors;
using BlobImageStore.Paths;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>CopyImageStoreContent</b> — <c>POST /ImageStore/$/Copy?api-version=6.0</c> with an <c>ImageStoreCopyDescription</c>
/// body (<c>{"RemoteSource":…,"RemoteDestination":…,"SkipFiles":[…],"CheckMarkFile":…}</c>); 200 with no body.
/// Copies a file or a folder inside the store, server-side (blob to blob; see <see cref="ContentCopies"/> for the
/// folder rules, SkipFiles and CheckMarkFile, and <see cref="Storage.BlobFileStore.CopyAsync"/> for why Copy Blob).
/// A missing source is 404 FABRIC_E_FILE_NOT_FOUND; a body that is not JSON, or lacks RemoteSource/RemoteDestination,
/// is 400 E_INVALIDARG (note S12). Member names are matched ignoring case; unknown members are ignored.
/// Difference from Service Fabric: a target file with an open upload session is refused with 409
/// FABRIC_E_UPLOAD_SESSION_ID_CONFLICT before anything is copied (the copy would discard the session's chunks).
/// </summary>
public sealed class CopyImageStoreContent(ContentCopies copies) : IImageStoreOperation
{
    /// <summary>Largest copy description accepted; it is a few paths and a list of names.</summary>
    public const long MaxBodySize = 1024 * 1024;

    public string OperationId => "CopyImageStoreContent";

    public OperationRoute Route => new("POST", "Copy", HasContentPath: false);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        if (request.Http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodySize;
        }

        var result = await copies.CopyAsync(await ReadAsync(request, cancellationToken), cancellationToken);
        return result.Refusal is { } refusal ? ErrorCatalogue.ToError(refusal) : Results.Ok();
    }

    private static async Task<CopyRequest> ReadAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        if (request.Http.Request.ContentLength > MaxBodySize)
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.CopyBodyTooLarge(request.Http.Request.ContentLength, MaxBodySize));
        }

        CopyDescriptionBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Http.Request.Body, ImageStoreJson.Read.CopyDescriptionBody, cancellationToken);
        }
        catch (JsonException e)
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.InvalidCopyBody(e.Message));
        }

        if (body is null)
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.InvalidCopyBody(null));
        }

        var skip = body.SkipFiles ?? [];
        if (skip.Any(string.IsNullOrWhiteSpace))
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.EmptySkipFile());
        }

        return new CopyRequest(
            Parse(body.RemoteSource, "RemoteSource"),
            Parse(body.RemoteDestination, "RemoteDestination"),
            skip!,
            body.CheckMarkFile ?? false);
    }

    private static StorePath Parse(string? value, string member)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.MissingCopyPath(member));
        }

        return StorePath.TryParse(value, out var path, out var error)
            ? path
            : throw ErrorCatalogue.Refuse(ErrorCatalogue.ToError(error, member));
    }
}
