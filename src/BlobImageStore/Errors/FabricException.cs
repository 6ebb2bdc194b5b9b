using System.Net;

namespace BlobImageStore.Errors;

/// <summary>
/// A failure of the HTTP layer that reaches the client as the spec's <c>FabricError</c> body
/// (<c>{"Error":{"Code":…,"Message":…}}</c>) with the status of IMAGESTORE-API.md note S16: request parsing and
/// authentication, which cannot return an answer. Thrown only with an answer of <c>Http/ErrorCatalogue.cs</c>
/// (<c>ErrorCatalogue.Refuse</c>), where every message lives; the core never sees it (it returns typed outcomes).
/// </summary>
public sealed class FabricException(HttpStatusCode status, string code, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode Status { get; } = status;

    public string Code { get; } = code;
}
