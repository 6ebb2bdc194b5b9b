using BlobImageStore.Content;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>DeleteImageStoreContent</b> — <c>DELETE /ImageStore/{contentPath}?api-version=6.0</c>; 200 with no body. Deletes
/// the file at the path and everything under it as a folder. A path with nothing there is 200 too (note S12).
/// It also ends every open upload session on the path or below it, as DeleteUploadSession would (its record, its path
/// claim, and its staged chunks as far as Azure allows), since everything there is asked to be gone; a chunk or commit
/// sent for such a session afterwards is answered like one for any ended session. There is no delete of the root.
/// A delete cut short by its timeout (504) has deleted part of the files; send it again to finish.
/// </summary>
public sealed class DeleteImageStoreContent(ContentRemoval removal) : IImageStoreOperation
{
    public string OperationId => "DeleteImageStoreContent";

    public OperationRoute Route => new("DELETE", null, HasContentPath: true);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        var report = await removal.DeleteAsync(request.Path, cancellationToken);
        return report.Refusal is { } refusal ? ErrorCatalogue.ToError(refusal) : Results.Ok();
    }
}
