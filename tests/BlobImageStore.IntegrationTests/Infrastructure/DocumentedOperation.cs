using System.Text.Json.Nodes;

namespace BlobImageStore.IntegrationTests.Infrastructure;

/// <summary>
/// One operation of the served OpenAPI document (<c>/openapi/v1.json</c>), with a request that reaches it, so that a
/// test can hold each answer the document lists against what the server does (the security tests send it without
/// credentials and expect the listed 401). Shared with the security and Functions tests.
/// </summary>
public sealed record DocumentedOperation(string Path, string Method, JsonObject Operation)
{
    public string OperationId => Operation["operationId"]!.GetValue<string>();

    /// <summary>Whether the document lists an answer with this status.</summary>
    public bool Lists(int status) => Operation["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] is not null;

    /// <summary>The description of the answer with this status (null when not listed).</summary>
    public string? Describes(int status) => Operation["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["description"]?.GetValue<string>();

    /// <summary>The operation's security requirements (null when it has none of its own).</summary>
    public JsonArray? Security => Operation["security"]?.AsArray();

    /// <summary>An operation that changes the store (anything but GET and HEAD).</summary>
    public bool Writes => Method is not ("get" or "head");

    /// <summary>
    /// A target that reaches the operation: <c>{contentPath}</c> filled in, <c>api-version</c> and a
    /// <c>session-id</c> (<paramref name="session"/>, or a fresh one) in the query (parameters an operation does not
    /// take are ignored by the server).
    /// </summary>
    public string Target(string contentPath = "openapi-check/file.txt", Guid? session = null) =>
        Path.Replace("{contentPath}", contentPath, StringComparison.Ordinal) + $"?api-version=6.0&session-id={session ?? Guid.NewGuid()}";

    /// <summary>A request for <see cref="Target"/> with the operation's method; a small body for writes.</summary>
    public HttpRequestMessage Request(string contentPath = "openapi-check/file.txt", Guid? session = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(Method.ToUpperInvariant()), Target(contentPath, session));
        if (Writes)
        {
            request.Content = new ByteArrayContent("hello"u8.ToArray());
            request.Content.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-4/5");
        }

        return request;
    }

    /// <summary>Every operation of the document, in document order.</summary>
    public static IReadOnlyList<DocumentedOperation> Of(JsonNode document) =>
        document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(m => new DocumentedOperation(p.Key, m.Key, m.Value!.AsObject())))
            .ToList();
}
