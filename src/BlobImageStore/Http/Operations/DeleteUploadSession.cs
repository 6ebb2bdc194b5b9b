using BlobImageStore.Sessions;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>DeleteImageStoreUploadSession</b> — <c>DELETE /ImageStore/$/DeleteUploadSession?session-id={uuid}&amp;api-version=6.0</c>;
/// 200 with no body. Ends the session and discards its chunks; a committed file at the path is never touched.
/// Deleting a session that does not exist is 200 as well (nothing is left either way); deleting an expired session is 200,
/// discards what is left of its chunks and forgets its id (its tombstone is removed).
/// </summary>
public sealed class DeleteUploadSession(UploadSessions sessions) : IImageStoreOperation
{
    public string OperationId => "DeleteImageStoreUploadSession";

    public OperationRoute Route => new("DELETE", "DeleteUploadSession", HasContentPath: false);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        await sessions.DeleteAsync(request.SessionId(invalidIdCode: false), cancellationToken);
        return Results.Ok();
    }
}
