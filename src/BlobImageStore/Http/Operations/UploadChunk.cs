using BlobImageStore.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>UploadFileChunk</b> — <c>PUT /ImageStore/{contentPath}/$/UploadChunk?session-id={uuid}&amp;api-version=6.0</c>
/// with <c>Content-Range: bytes {first}-{last}/{file length}</c> (inclusive) and the chunk's bytes as the body;
/// 200 with no body. Chunks come in any order, several at once; the first chunk of an unknown session id starts
/// the session (notes S2–S4); a chunk for an expired session id is 404 FABRIC_E_FILE_NOT_FOUND saying so, never a
/// silent new session. An optional <c>Content-MD5</c> (base64 MD5 of the chunk) is verified.
/// A chunk is acknowledged (200) only once it is final: nothing any later request does can change those bytes.
/// Differences from Service Fabric: an exact re-send of a received chunk is 200 when its bytes are the received ones and
/// 409 naming the range when they differ (SF refuses every re-send); a chunk for a committed, deleted or expired session
/// is refused saying which (never a new session with that id); a range whose
/// last byte equals the file length is refused (SF accepts that off-by-one), and a second open session on a path
/// gets 409 (SF allows several; on Blob Storage a commit would silently discard the other session's bytes).
/// </summary>
public sealed class UploadChunk(UploadSessions sessions) : IImageStoreOperation
{
    public string OperationId => "UploadFileChunk";

    public OperationRoute Route => new("PUT", "UploadChunk", HasContentPath: true);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        var path = request.Path;
        var sessionId = request.SessionId(invalidIdCode: true);
        if (!ContentRange.TryParse(request.Header("Content-Range"), out var range, out var rangeError))
        {
            return ErrorCatalogue.ToError(rangeError);
        }

        var md5 = ContentMd5.Parse(request.Header("Content-MD5"));

        // The chunk limit is ours (ImageStore:MaxChunkSize, checked before the body is read), not Kestrel's 30 MB.
        if (request.Http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var http = request.Http.Request;
        var outcome = await sessions.UploadChunkAsync(
            new ChunkRequest(path, sessionId, range, http.ContentLength, md5, Caller: null, request.Timeout()), http.Body, cancellationToken);
        request.Http.Items[RequestTelemetry.BytesItem] = outcome is ChunkAccepted accepted ? accepted.BytesStored : 0L;
        return ErrorCatalogue.ToResult(outcome);
    }
}
