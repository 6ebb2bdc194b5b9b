using BlobImageStore.Security;
using BlobImageStore.Sessions;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>CommitImageStoreUploadSession</b> — <c>POST /ImageStore/$/CommitUploadSession?session-id={uuid}&amp;api-version=6.0</c>;
/// 200 with no body. The received chunks must cover the file exactly, else 400 E_INVALIDARG naming the missing
/// ranges, and the session stays open. One Put Block List makes the file an ordinary block blob at its path,
/// replacing any file there. Committing a committed session again is 200 (note S6); an unknown session is 404, and so is
/// an expired or deleted one, with a message saying which and when, and that the file must be uploaded again in a new session.
/// Only the principal that started the session may commit it: anyone else gets 403 E_ACCESSDENIED naming the owner's kind.
/// </summary>
public sealed class CommitUploadSession(UploadSessions sessions) : IImageStoreOperation
{
    public string OperationId => "CommitImageStoreUploadSession";

    public OperationRoute Route => new("POST", "CommitUploadSession", HasContentPath: false);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        return ErrorCatalogue.ToResult(await sessions.CommitAsync(request.SessionId(invalidIdCode: false), Caller.SessionOwner(request.Http), cancellationToken));
    }
}
