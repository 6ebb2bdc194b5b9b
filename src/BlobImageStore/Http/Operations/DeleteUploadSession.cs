using BlobImageStore.Security;
using BlobImageStore.Sessions;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>DeleteImageStoreUploadSession</b> — <c>DELETE /ImageStore/$/DeleteUploadSession?session-id={uuid}&amp;api-version=6.0</c>;
/// 200 with no body. Ends the session (its record stays as a Deleted tombstone, so a late chunk or commit learns that
/// it was deleted) and frees its path; its staged chunks never count again (see docs/protocol.md). A committed file at the
/// path is never touched. Deleting a session that does not exist or already ended is 200 as well; a session being
/// committed at that moment is waited for (then 200), or 409 if the commit takes longer. The session's owner and any
/// authenticated admin (certificate or Entra ID) may delete it; an anonymous or function-key caller that did not start it
/// gets 403 E_ACCESSDENIED naming the owner's kind.
/// </summary>
public sealed class DeleteUploadSession(UploadSessions sessions) : IImageStoreOperation
{
    public string OperationId => "DeleteImageStoreUploadSession";

    public OperationRoute Route => new("DELETE", "DeleteUploadSession", HasContentPath: false);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        return ErrorCatalogue.ToResult(await sessions.DeleteAsync(request.SessionId(invalidIdCode: false), Caller.Of(request.Http)?.SessionDeleter, cancellationToken));
    }
}
