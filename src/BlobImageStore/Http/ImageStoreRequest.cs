using System.Globalization;
using BlobImageStore.Errors;
using BlobImageStore.Paths;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace BlobImageStore.Http;

/// <summary>
/// One request to the image store, split the way the Service Fabric gateway splits it (notes S9, S14, S15):
/// <c>/ImageStore[/{contentPath}][/$/{Operation}]</c>, read from the raw request target so that a <c>%2F</c> in the
/// path (the official .NET client escapes the whole path) means the same as a <c>/</c>. Cluster-level operations the
/// clients need next to the store (<c>/$/{Operation}</c>, e.g. the cluster manifest) are split here too, so that both
/// hosts hand every request to the same door.
/// </summary>
public sealed class ImageStoreRequest
{
    public const string Prefix = "/ImageStore";

    /// <summary>Where the gateway's cluster-level operations live: <c>/$/{Operation}</c>.</summary>
    public const string ClusterPrefix = "/$/";

    private StorePath? _path;

    private ImageStoreRequest(HttpContext http, string? rawContentPath, string? operation, bool clusterLevel = false)
    {
        Http = http;
        RawContentPath = rawContentPath;
        Operation = operation;
        IsClusterLevel = clusterLevel;
    }

    public HttpContext Http { get; }

    public string Method => Http.Request.Method;

    /// <summary>The content path as it arrived, still percent-encoded; null or empty for the root.</summary>
    public string? RawContentPath { get; }

    /// <summary>The name after <c>/$/</c>, e.g. <c>UploadChunk</c>; null for plain content requests.</summary>
    public string? Operation { get; }

    public bool HasContentPath => !string.IsNullOrEmpty(RawContentPath?.Trim('/'));

    /// <summary>True for <c>/$/{Operation}</c> at the gateway's root rather than under <c>/ImageStore</c>.</summary>
    public bool IsClusterLevel { get; }

    /// <summary>The normalised content path; a 400 FabricError when it is not valid.</summary>
    public StorePath Path => _path ??= StorePath.TryFromRequestTarget(RawContentPath ?? string.Empty, out var path, out var error)
        ? path
        : throw ErrorCatalogue.Refuse(ErrorCatalogue.ToError(error));

    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    public string? Header(string name) => Http.Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>Splits the raw target; null when it is neither under <c>/ImageStore</c> nor a <c>/$/{Operation}</c>.</summary>
    public static ImageStoreRequest? FromHttp(HttpContext http)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            // No raw target (an in-process test context, or a host that does not expose it): the routed path keeps
            // %2F encoded, which is all the splitting needs.
            raw = http.Request.PathBase.Add(http.Request.Path).Value ?? string.Empty;
        }

        var query = raw.IndexOf('?');
        var path = query >= 0 ? raw[..query] : raw;
        if (path.StartsWith(ClusterPrefix, StringComparison.Ordinal))
        {
            return new ImageStoreRequest(http, null, path[ClusterPrefix.Length..].TrimEnd('/'), clusterLevel: true);
        }

        if (!path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            || (path.Length > Prefix.Length && path[Prefix.Length] != '/'))
        {
            return null;
        }

        var rest = path[Prefix.Length..].TrimStart('/');
        if (rest.StartsWith("$/", StringComparison.Ordinal))
        {
            return new ImageStoreRequest(http, null, rest[2..].TrimEnd('/'));
        }

        var op = rest.LastIndexOf("/$/", StringComparison.Ordinal);
        return op >= 0
            ? new ImageStoreRequest(http, rest[..op], rest[(op + 3)..].TrimEnd('/'))
            : new ImageStoreRequest(http, rest, null);
    }

    /// <summary>
    /// The <c>session-id</c> query parameter. UploadChunk and GetUploadSession answer a missing, unparsable or all-zero
    /// id with FABRIC_E_INVALID_UPLOAD_SESSION_ID; Commit and Delete answer E_INVALIDARG (note S4).
    /// </summary>
    public Guid SessionId(bool invalidIdCode)
    {
        var text = Query("session-id");
        if (Guid.TryParse(text, out var id) && id != Guid.Empty)
        {
            return id;
        }

        throw ErrorCatalogue.Refuse(ErrorCatalogue.InvalidSessionId(text, invalidIdCode));
    }

    /// <summary>Lowest and highest <c>api-version</c> accepted: 1.0 up to the spec version implemented (note S14).</summary>
    public const double MinApiVersion = 1.0;
    public const double MaxApiVersion = 9.1;

    /// <summary>
    /// Checks <c>api-version</c> the way the gateway does: required, <c>-preview</c> stripped, within range. Only plain
    /// decimal numbers count (<c>6</c>, <c>6.0</c>, <c>6.2-preview</c>): <c>NaN</c>, <c>Infinity</c>, signs, exponents and
    /// other spellings that <see cref="double.TryParse(string?, out double)"/> would accept are refused.
    /// </summary>
    public void ValidateApiVersion()
    {
        var text = Query("api-version");
        if (string.IsNullOrWhiteSpace(text))
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.InvalidApiVersion(null, MinApiVersion, MaxApiVersion));
        }

        if (!TryParseApiVersion(text, out var version) || version < (decimal)MinApiVersion || version > (decimal)MaxApiVersion)
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.InvalidApiVersion(text, MinApiVersion, MaxApiVersion));
        }
    }

    /// <summary>An api-version as a finite decimal: digits, optionally a '.' and more digits, optionally <c>-preview</c>.</summary>
    internal static bool TryParseApiVersion(string text, out decimal version)
    {
        version = 0;
        var number = text.EndsWith("-preview", StringComparison.OrdinalIgnoreCase) ? text[..^"-preview".Length] : text;
        var dot = number.IndexOf('.');
        var whole = dot < 0 ? number : number[..dot];
        var fraction = dot < 0 ? "0" : number[(dot + 1)..];
        return whole.Length is > 0 and <= 9 && fraction.Length is > 0 and <= 9
            && whole.All(char.IsAsciiDigit) && fraction.All(char.IsAsciiDigit)
            && decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out version);
    }

    /// <summary>
    /// Refuses a request body in a content coding (415): the store keeps exactly the bytes it is sent, so a body still
    /// compressed (<c>Content-Encoding: gzip</c>, or <c>Transfer-Encoding: gzip, chunked</c>, which Kestrel de-chunks but
    /// does not decode) would be stored encoded. Only <c>identity</c> and plain <c>chunked</c> framing are accepted.
    /// </summary>
    public void ValidateContentCoding()
    {
        var contentEncoding = Header("Content-Encoding");
        if (!string.IsNullOrWhiteSpace(contentEncoding)
            && !contentEncoding.Split(',').All(c => c.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase)))
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.UnsupportedCoding("Content-Encoding", contentEncoding));
        }

        var transferEncoding = Header("Transfer-Encoding");
        if (!string.IsNullOrWhiteSpace(transferEncoding)
            && !transferEncoding.Split(',').All(c => c.Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            throw ErrorCatalogue.Refuse(ErrorCatalogue.UnsupportedCoding("Transfer-Encoding", transferEncoding));
        }
    }

    /// <summary>Default <c>timeout</c> in seconds when absent or unparsable (note S15).</summary>
    public const uint DefaultTimeoutSeconds = 60;

    /// <summary>The operation's deadline from <c>timeout</c> (seconds, 1..4294967295); null when too long to matter.</summary>
    public TimeSpan? Timeout()
    {
        var seconds = uint.TryParse(Query("timeout"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0
            ? s
            : DefaultTimeoutSeconds;
        var span = TimeSpan.FromSeconds(seconds);
        return span.TotalMilliseconds < int.MaxValue ? span : null;
    }
}
