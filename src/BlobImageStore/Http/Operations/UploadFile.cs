using BlobImageStore.Content;
using BlobImageStore.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>UploadFile</b> — <c>PUT /ImageStore/{contentPath}?api-version=6.0</c> with the file's bytes as the body; 200 with
/// no body. Writes the file at the path, replacing any file there (note S12). The body may come with a Content-Length or
/// chunked, and may be empty (sfctl sends 0-byte files chunked; <c>_.dir</c> mark files are empty). It is streamed to
/// the blob, never held whole (see <see cref="FileUploads"/>), and the file appears whole or not at all. An optional
/// <c>Content-MD5</c> (base64 MD5 of the whole body) is verified before the file becomes visible; a mismatch is 400 and
/// leaves any old file untouched. Largest body: 50,000 × <c>ImageStore:BlockSize</c> (413 beyond).
/// Difference from Service Fabric: a path that has an open upload session is refused with 409
/// FABRIC_E_UPLOAD_SESSION_ID_CONFLICT naming the session, before the body is read: writing the file would discard the
/// session's received chunks (Blob Storage drops a blob's uncommitted blocks on every write). The upload holds the path's
/// write claim from before its body is read until the file is written (<see cref="PathWrites"/>), so a session cannot
/// start on the path meanwhile either, and two UploadFiles of one path do not run at once (the second gets 409).
/// </summary>
public sealed class UploadFile(FileUploads uploads, PathWrites writes) : IImageStoreOperation
{
    public string OperationId => "UploadFile";

    public OperationRoute Route => new("PUT", null, HasContentPath: true);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        var path = request.Path;
        var md5 = ContentMd5.Parse(request.Header("Content-MD5"));
        // The size limit is ours (checked against Content-Length before the body is read, and while it is read), not
        // Kestrel's 30 MB: sfctl sends every file whole, whatever its size.
        if (request.Http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var http = request.Http.Request;
        FileUploadResult? result = null;
        var refusal = await writes.RunAsync(path, WriteAction.UploadFile,
            async (lease, ct) => result = await uploads.UploadAsync(path, http.Body, http.ContentLength, md5, lease, ct), cancellationToken);
        if ((refusal ?? result!.Refusal) is { } refused)
        {
            return ErrorCatalogue.ToError(refused);
        }

        request.Http.Items[RequestTelemetry.BytesItem] = result!.Bytes;
        return Results.Ok();
    }
}
