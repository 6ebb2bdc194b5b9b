using System.Text.Json.Serialization;
using BlobImageStore.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>ListUploadSessions</b> (this server's addition; Service Fabric has no such operation) —
/// <c>GET /ImageStore/{contentPath}/$/ListUploadSessions?api-version=6.0</c>: 200 with the open upload sessions on that
/// path or below it, each as GetUploadSession describes it (<c>{"UploadSessions":[…]}</c>, in path order, at most
/// <see cref="Limit"/>; <c>"Truncated": true</c> when more are open), or 204 with no body when none is. A path with
/// nothing under it is not an error: it has no sessions. Costs one prefix listing of the path claims plus one record
/// read and one block list per session listed: never a scan of the store. Readers may call it (a GET), like
/// GetUploadSession by path, which already tells any reader a path's session id.
/// </summary>
public sealed class ListUploadSessions(UploadSessions sessions, IOptions<ImageStoreOptions> options) : IImageStoreOperation
{
    /// <summary>The most sessions one answer lists.</summary>
    public const int Limit = 200;

    public string OperationId => "ListUploadSessions";

    public OperationRoute Route => new("GET", "ListUploadSessions", HasContentPath: true);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken) =>
        UploadSessionListResult.From(await sessions.ListAtOrBelowAsync(request.Path, Limit, cancellationToken), options.Value.ResponseSeparator);
}

/// <summary>
/// <b>ListRootUploadSessions</b> (this server's addition) — <c>GET /ImageStore/$/ListUploadSessions?api-version=6.0</c>:
/// every open upload session in the store, as <see cref="ListUploadSessions"/> answers for a folder.
/// </summary>
public sealed class ListRootUploadSessions(UploadSessions sessions, IOptions<ImageStoreOptions> options) : IImageStoreOperation
{
    public string OperationId => "ListRootUploadSessions";

    public OperationRoute Route => new("GET", "ListUploadSessions", HasContentPath: false);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken) =>
        UploadSessionListResult.From(await sessions.ListAtOrBelowAsync(null, ListUploadSessions.Limit, cancellationToken), options.Value.ResponseSeparator);
}

/// <summary>The answer of ListUploadSessions: GetUploadSession's shape plus <c>Truncated</c> (absent when false).</summary>
public sealed record UploadSessionListBody(IReadOnlyList<UploadSessionInfoBody> UploadSessions, bool? Truncated);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UploadSessionListBody))]
internal sealed partial class UploadSessionListJson : JsonSerializerContext;

internal static class UploadSessionListResult
{
    public static IResult From((IReadOnlyList<SessionStatus> Sessions, bool Truncated) list, char separator) => list.Sessions.Count == 0 && !list.Truncated
        ? Results.NoContent()
        : Results.Json(
            new UploadSessionListBody([.. list.Sessions.Select(s => UploadSessionResult.Body(s, separator))], list.Truncated ? true : null),
            UploadSessionListJson.Default.UploadSessionListBody);
}
