using BlobImageStore.Content;
using BlobImageStore.Paths;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>GetImageStoreContent</b> — <c>GET /ImageStore/{contentPath}?api-version=6.2[&amp;ContinuationToken=…]</c>;
/// 200 <c>ImageStoreContent</c>: for a folder its files (<c>StoreFiles</c>) and sub-folders (<c>StoreFolders</c>, each
/// with the number of files in it at any depth); for a file that file alone. 404 with no body when nothing is at the
/// path; 204 with no body when a continued listing has nothing more (note S10). Paged (note S11): a page holds at most
/// <c>ImageStore:ListPageSize</c> entries, and <c>ContinuationToken</c> in the answer, passed back as the query parameter
/// of the same name, gives the next page; it is absent on the last page. <c>StoreRelativePath</c>s use
/// <c>ImageStore:ResponsePathSeparator</c> (default <c>\</c>). Metadata only: no REST operation downloads file bytes.
/// See <see cref="ContentListings"/> for how folders map to Blob Storage and <see cref="FileVersions"/> for FileVersion.
/// </summary>
public sealed class GetImageStoreContent(ContentListings listings, IOptions<ImageStoreOptions> options) : IImageStoreOperation
{
    public string OperationId => "GetImageStoreContent";

    public OperationRoute Route => new("GET", null, HasContentPath: true);

    public Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken) =>
        ContentResult.ListAsync(listings, request, request.Path, options.Value.ResponseSeparator, cancellationToken);
}

/// <summary>
/// <b>GetImageStoreRootContent</b> — <c>GET /ImageStore?api-version=6.0[&amp;ContinuationToken=…]</c>; 200
/// <c>ImageStoreContent</c> of the store's root, paged like <see cref="GetImageStoreContent"/>; 204 with no body when the
/// store is empty (note S10).
/// </summary>
public sealed class GetImageStoreRootContent(ContentListings listings, IOptions<ImageStoreOptions> options) : IImageStoreOperation
{
    public string OperationId => "GetImageStoreRootContent";

    public OperationRoute Route => new("GET", null, HasContentPath: false);

    public Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken) =>
        ContentResult.ListAsync(listings, request, null, options.Value.ResponseSeparator, cancellationToken);
}

internal static class ContentResult
{
    public static async Task<IResult> ListAsync(ContentListings listings, ImageStoreRequest request, StorePath? path, char separator, CancellationToken cancellationToken)
    {
        var listing = await listings.ListAsync(path, request.Query("ContinuationToken"), cancellationToken);
        return listing switch
        {
            ContentListing.Page page => Results.Json(
                new ImageStoreContentBody(
                    page.Files.Select(f => new FileInfoBody(
                        f.Size,
                        new FileVersionBody(FileVersions.VersionNumber(f.Version), FileVersions.Epoch, FileVersions.Epoch),
                        WireFormat.Date(f.Modified),
                        ResponsePath(f.Name, separator))).ToList(),
                    page.Folders.Select(f => new FolderInfoBody(ResponsePath(f.Path, separator), f.FileCount)).ToList(),
                    page.ContinuationToken),
                ImageStoreJson.Wire.ImageStoreContentBody),
            ContentListing.Empty => BareStatusResult.For(request, StatusCodes.Status204NoContent),
            ContentListing.Refused refused => ErrorCatalogue.ToError(refused.Refusal),
            _ => BareStatusResult.For(request, StatusCodes.Status404NotFound),
        };
    }

    /// <summary>A blob name as a <c>StoreRelativePath</c> (names written by other tools are shown as they are, separators swapped).</summary>
    public static string ResponsePath(string name, char separator) => separator == '/' ? name : name.Replace('/', separator);
}
