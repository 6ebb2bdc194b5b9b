using BlobImageStore.Content;
using BlobImageStore.Errors;
using BlobImageStore.Paths;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>GetImageStoreFolderSize</b> — <c>GET /ImageStore/{contentPath}/$/FolderSize?api-version=6.5</c>; 200
/// <c>FolderSizeInfo</c>: the total bytes of the files under the folder at any depth (for a path naming a file, that
/// file's size). A path with nothing there is 404 FABRIC_E_DIRECTORY_NOT_FOUND. Counts committed files only, not the
/// chunks of open upload sessions. Computed by listing the folder (see <see cref="StoreUsage"/>).
/// </summary>
public sealed class GetImageStoreFolderSize(StoreUsage usage, IOptions<ImageStoreOptions> options) : IImageStoreOperation
{
    public const string DirectoryNotFound = Errors.FabricErrorCodes.DirectoryNotFound;

    public string OperationId => "GetImageStoreFolderSize";

    public OperationRoute Route => new("GET", "FolderSize", HasContentPath: true);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        var path = request.Path;
        var size = await usage.FolderSizeAsync(path, cancellationToken)
            ?? throw ErrorCatalogue.Refuse(ErrorCatalogue.NoFolder(path));
        return FolderSizeResult.From(path, size, options.Value.ResponseSeparator);
    }
}

/// <summary>
/// <b>GetImageStoreRootFolderSize</b> — <c>GET /ImageStore/$/FolderSize?api-version=6.5</c>; 200 <c>FolderSizeInfo</c>
/// with the total bytes of every file in the store (0 when empty) and an empty <c>StoreRelativePath</c> (the root).
/// </summary>
public sealed class GetImageStoreRootFolderSize(StoreUsage usage, IOptions<ImageStoreOptions> options) : IImageStoreOperation
{
    public string OperationId => "GetImageStoreRootFolderSize";

    public OperationRoute Route => new("GET", "FolderSize", HasContentPath: false);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken) =>
        FolderSizeResult.From(null, await usage.FolderSizeAsync(null, cancellationToken) ?? 0, options.Value.ResponseSeparator);
}

internal static class FolderSizeResult
{
    public static IResult From(StorePath? path, long size, char separator) => Results.Json(
        new FolderSizeInfoBody(path?.ToResponsePath(separator) ?? string.Empty, size),
        ImageStoreJson.Wire.FolderSizeInfoBody);
}
