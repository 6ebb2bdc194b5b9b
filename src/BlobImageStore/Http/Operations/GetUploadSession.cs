using BlobImageStore.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>GetImageStoreUploadSessionById</b> — <c>GET /ImageStore/$/GetUploadSession?session-id={uuid}&amp;api-version=6.0</c>;
/// 200 <c>UploadSession</c> (<c>{"UploadSessions":[…]}</c>, one entry), or 204 with no body when no open session
/// unexpired session has that id (note S5): an expired session is not answered, whether or not the cleanup has run. <c>ExpectedRanges</c> are the inclusive byte ranges still missing, computed from the
/// blocks actually staged.
/// </summary>
public sealed class GetUploadSessionById(UploadSessions sessions, IOptions<ImageStoreOptions> options) : IImageStoreOperation
{
    public string OperationId => "GetImageStoreUploadSessionById";

    public OperationRoute Route => new("GET", "GetUploadSession", HasContentPath: false);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        var status = await sessions.GetByIdAsync(request.SessionId(invalidIdCode: true), cancellationToken);
        return UploadSessionResult.From(status, options.Value.ResponseSeparator);
    }
}

/// <summary>
/// <b>GetImageStoreUploadSessionByPath</b> — <c>GET /ImageStore/{contentPath}/$/GetUploadSession?api-version=6.0</c>;
/// 200 <c>UploadSession</c> or 204 with no body (note S5). A path has at most one open session here.
/// </summary>
public sealed class GetUploadSessionByPath(UploadSessions sessions, IOptions<ImageStoreOptions> options) : IImageStoreOperation
{
    public string OperationId => "GetImageStoreUploadSessionByPath";

    public OperationRoute Route => new("GET", "GetUploadSession", HasContentPath: true);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        var status = await sessions.GetByPathAsync(request.Path, cancellationToken);
        return UploadSessionResult.From(status, options.Value.ResponseSeparator);
    }
}

internal static class UploadSessionResult
{
    public static IResult From(SessionStatus? status, char separator) => status is null
        ? Results.NoContent()
        : Results.Json(new UploadSessionBody([Body(status, separator)]), ImageStoreJson.Wire.UploadSessionBody);

    /// <summary>A session as the wire shows it (the protocol's UploadSessionInfo), its path with the configured separator.</summary>
    internal static UploadSessionInfoBody Body(SessionStatus status, char separator) => new(
        Paths.StorePath.Parse(status.Record.Path).ToResponsePath(separator),
        status.Record.SessionId.ToString("D"),
        WireFormat.Date(status.Record.Modified),
        status.Record.FileSize,
        status.ExpectedRanges.Select(r => new UploadChunkRangeBody(r.First, r.Last)).ToList());
}
