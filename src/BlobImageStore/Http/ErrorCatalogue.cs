using System.Globalization;
using System.Net;
using BlobImageStore.Content;
using BlobImageStore.Errors;
using BlobImageStore.Paths;
using BlobImageStore.Security;
using BlobImageStore.Sessions;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http;

/// <summary>
/// The one place where every refusal becomes an answer: the protocol's and the content operations' outcomes
/// (<see cref="Outcome"/>: <c>Sessions/Outcomes.cs</c>, <c>Content/ContentOutcomes.cs</c>), the refusals of request parsing
/// (<see cref="StorePathError"/>, <see cref="ContentRangeError"/>, and the HTTP layer's own), the endpoint's, and those of
/// authentication, authorization and the rate limits. Each gets the status of note S16, the <see cref="FabricErrorCodes"/>
/// code, and a message that says what happened and what to do next; no message is written anywhere else.
/// </summary>
public static class ErrorCatalogue
{
    /// <summary>200 for a success, else the refusal's FabricError.</summary>
    public static IResult ToResult(Outcome outcome) => outcome.Succeeded ? Results.Ok() : ToError(outcome);

    public static FabricErrorResult ToError(Outcome outcome) => outcome switch
    {
        ResendConflict r => Conflict(
            $"Bytes {r.Range} of upload session {r.SessionId} were already received with other contents than this request's. The server keeps the bytes it acknowledged and never replaces them. " +
            "If this file is yours, its bytes there changed since the first send: delete the session (DELETE /ImageStore/$/DeleteUploadSession) and upload the file again."),
        RangeOverlap r => new(HttpStatusCode.BadRequest, FabricErrorCodes.UploadSessionRangeNotSatisfiable,
            $"Bytes {Describe(r.Overlap)} of {r.Range} were already received in other chunks. Re-send a received chunk only with exactly its range; otherwise send only the ranges that GetUploadSession lists as ExpectedRanges: {Describe(r.Missing)}."),
        RaceConflict r => Conflict(
            $"Another request sent other bytes for bytes {r.Range} of upload session {r.SessionId} at the same moment, so this chunk was not kept. Ask GetUploadSession for the ExpectedRanges and send those."),
        DuplicateConflict r => Conflict(
            $"Upload session {r.SessionId} holds two different copies of bytes {r.Range} that both count (two requests with different bytes raced under an earlier version of this server, and one of them was cut off), so the server cannot tell which it acknowledged and commits neither. " +
            "Delete the session (DELETE /ImageStore/$/DeleteUploadSession) and upload the file again."),
        ChunkTooSlow t => new(HttpStatusCode.RequestTimeout, FabricErrorCodes.Timeout,
            $"Bytes {t.Range} of upload session {t.SessionId} arrived, but could not be kept before this request's deadline ({Iso(t.ConfirmBy)}: its ?timeout=, at most ImageStore:Limits:MaxRequestTimeout, plus the tolerated clock skew), so nothing of this chunk was kept. Send it again."),
        SessionEnded e => Ended(e),
        SessionNotFound n => NotFound(
            $"There is no upload session {n.SessionId}: it was never started, or it ended more than the tombstone retention ago. Upload the file again with UploadChunk and a new session-id, then commit."),
        PathHeld h => Held(h),
        WrongPath w => Conflict(
            $"Upload session {w.SessionId} is uploading '{w.SessionPath}', not '{w.Requested}'. Use a new session-id for each file."),
        WrongFileSize w => Invalid(
            $"Upload session {w.SessionId} is for a file of {w.SessionFileSize} bytes, but this Content-Range says {w.RequestedFileSize}. Send the same file length in every chunk, or delete the session and start again."),
        Incomplete i => Invalid(
            $"Upload session {i.SessionId} is not complete: bytes {Describe(i.Missing)} of {i.FileSize} are missing. Send them with UploadChunk, then commit again; the session stays open."),
        CommitInProgress c => Conflict(
            $"Upload session {c.SessionId} is being committed right now, so this request was not acknowledged (a chunk that was being stored as the commit began is in the file only if the commit had found it already stored). Check the file with GET /ImageStore/<path>, or commit again: a second commit answers 200 once the file is there."),
        NotOwner n => new(HttpStatusCode.Forbidden, FabricErrorCodes.AccessDenied,
            $"Upload session {n.SessionId} was started by another principal ({DescribeOwner(n.OwnerKind)}), and only the principal that starts a session may send its chunks or commit it " +
            "(an admin client certificate or Entra ID admin may also delete it). Nothing was changed. Upload with your own session-id; if that session holds the path you want, ask its owner to finish or delete it."),
        BodyTooShort b => Invalid(
            $"The body ended after {b.Received} bytes but {b.Range} names {b.Range.Length} bytes. Nothing of this chunk was kept; send it again with exactly the bytes of the range."),
        BodyTooLong b => Invalid(
            $"The body is longer than the {b.Range.Length} bytes that {b.Range} names. Nothing of this chunk was kept; send exactly the bytes of the range."),
        Md5Mismatch => Invalid(
            "The body does not match its Content-MD5: it was damaged on the way. Nothing of this chunk was kept; send it again."),
        InvalidPath p => ToError(p.Error, p.Member),
        Busy b => new(HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceTooBusy,
            $"{(b.SessionId is { } id ? $"Upload session {id}" : $"'{b.Path}'")} kept changing under this request (many requests on it at once); nothing of this request was kept. Retry it."),
        FileTooLarge f => TooLarge(
            $"The file is {f.FileSize} bytes; this store takes files up to {f.MaxFileSize} bytes (Azure's 50,000 blocks of at most {f.BlockSize} bytes each). Split it into several files."),
        ChunkTooLarge c => TooLarge(
            $"The chunk is {c.ChunkLength} bytes; the largest chunk this store accepts is {c.MaxChunkSize} bytes. Split the file into smaller chunks."),
        BodyLengthMismatch b => Invalid(
            $"The body is {b.ContentLength} bytes but {b.Range} names {b.Range.Length} bytes. Send exactly the bytes of the range."),
        ChunkTooSmall c => Invalid(
            $"The chunk is {c.Range.Length} bytes; for a file of {c.Range.Total} bytes every chunk but the last must be at least {c.MinChunkSize} bytes, so that the file fits Azure's limit of {ChunkLayout.AzureMaxCommittedBlocks} blocks. Use larger chunks."),
        UploadTooLarge u => TooLarge(
            $"The file is {u.Size} bytes or more; one UploadFile takes at most {u.MaxFileSize} bytes (Azure's 50,000 blocks of ImageStore:BlockSize = {u.BlockSize} bytes). Upload it in chunks with an upload session (UploadChunk), or ask the operator to raise ImageStore:BlockSize."),
        UploadMd5Mismatch m => Invalid(
            $"The body does not match its Content-MD5 ({Convert.ToBase64String(m.Expected)}; the body's MD5 is {Convert.ToBase64String(m.Actual)}): it was damaged on the way, or the header is for another file. Nothing was stored; send the file again."),
        UploadDiscarded d => new(HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceTooBusy,
            $"Another write of '{d.Path}' finished while this upload was being stored, which discarded this upload's blocks; nothing of this upload was kept. Retry the upload."),
        WriteLeaseLost l => new(HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceTooBusy, l.Action switch
        {
            WriteAction.UploadFile => $"This upload of '{l.Path}' lost its hold on the path (it was too slow to renew it); nothing of it was kept. Retry the upload.",
            WriteAction.Copy => $"The copy to '{l.Path}' lost its hold on the path (it took too long); the copy is incomplete. Repeat the copy.",
            _ => $"The write of '{l.Path}' lost its hold on the path (it took too long) and stopped. Retry the request.",
        }),
        CopyIntoSource c => Invalid(
            $"RemoteDestination '{c.Destination}' is {(c.Destination == c.Source ? "the same as" : "inside")} RemoteSource '{c.Source}'. Copy to a path outside the source."),
        CopySourceMissing c => NotFound(
            $"RemoteSource '{c.Source}' names no file or folder in the image store. Check the path (GET /ImageStore/{c.Source} lists what is there)."),
        CopySourceVanished c => NotFound(
            $"'{c.From}' was deleted while it was being copied to '{c.Target}'; the copy is incomplete. Upload the source again, then repeat the copy."),
        InvalidContinuationToken t => Invalid(
            $"ContinuationToken '{(t.Token.Length > 100 ? t.Token[..100] + "…" : t.Token)}' is not one this server gave out for the listing of {(t.Listed is null ? "the store root" : $"'{t.Listed}'")}. " +
            "Pass the ContinuationToken of the previous page of the same listing unchanged, or list again without it to start from the first page."),
        _ => new(HttpStatusCode.InternalServerError, FabricErrorCodes.Fail, $"The server reached an outcome it has no answer for ({outcome.GetType().Name}); retry the request."),
    };

    /// <summary>A refusal as an exception, for request parsing that cannot return an answer (e.g.
    /// <see cref="ImageStoreRequest.Path"/>); the endpoint answers it with its FabricError.</summary>
    public static FabricException Refuse(FabricErrorResult error, Exception? inner = null) => new(error.Status, error.Code, error.Message, inner);

    // ---- request parsing ----

    /// <summary>A store path the store cannot hold: 400 <c>FABRIC_E_INVALID_NAME_URI</c>, or <c>FABRIC_E_PATH_TOO_LONG</c>
    /// for Azure's length and depth limits. <paramref name="member"/> prefixes the message with the body member it came from.</summary>
    public static FabricErrorResult ToError(StorePathError error, string? member = null)
    {
        var (code, message) = error switch
        {
            StorePathError.Empty => (FabricErrorCodes.InvalidNameUri,
                "The content path is empty. Put the store-relative path of the file after /ImageStore/, e.g. /ImageStore/MyApp/ApplicationManifest.xml."),
            StorePathError.TooLong t => (FabricErrorCodes.PathTooLong,
                $"The content path is {t.Length} characters long; the store accepts at most {t.MaxLength}. Use a shorter path."),
            StorePathError.TooDeep d => (FabricErrorCodes.PathTooLong,
                $"The content path has {d.Segments} folder levels; the store accepts at most {d.MaxSegments}. Use a flatter path."),
            _ => (FabricErrorCodes.InvalidNameUri, $"The content path '{StorePath.Printable(error.Path)}' is not valid: {Why(error)}."),
        };
        return new(HttpStatusCode.BadRequest, code, member is null ? message : $"{member}: {message}");

        static string Why(StorePathError error) => error switch
        {
            StorePathError.ControlCharacter c => $"it contains the control character U+{(int)c.Character:X4}; remove it",
            StorePathError.InvalidCharacter c => $"it contains U+{(int)c.Character:X4}, which is not a character Azure Blob Storage accepts in a name; remove it",
            StorePathError.RelativeSegment r => $"it contains a '{r.Segment}' segment; store paths are relative to the store root and cannot step up or stay in place",
            StorePathError.OperationSegment => "it has a '$' segment, which marks an operation in image store URLs (/$/Name), so such a path could not be addressed; rename it",
            StorePathError.TrailingDot t => $"its segment '{StorePath.Printable(t.Segment)}' ends with a dot, which Azure Blob Storage does not allow in a blob name; rename it without the trailing dot",
            _ => $"it breaks a store-path rule ({error.GetType().Name})",
        };
    }

    /// <summary>A <c>Content-Range</c> that is missing or malformed: 400 <c>FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE</c>.</summary>
    public static FabricErrorResult ToError(ContentRangeError error)
    {
        var why = error switch
        {
            ContentRangeError.Missing => "the header is missing; send 'Content-Range: bytes {first}-{last}/{file length}' with inclusive byte positions",
            ContentRangeError.NotOneSlash => "expected exactly one '/' between the range and the file length",
            ContentRangeError.NotNumbers => "expected '{first}-{last}/{file length}' with whole non-negative numbers",
            ContentRangeError.EmptyFileForm => "a zero-byte file is uploaded as 'bytes 0-0/0' with an empty body",
            ContentRangeError.Reversed => "the first byte position is after the last; positions are inclusive, so a 10-byte chunk at 0 is 'bytes 0-9/…'",
            ContentRangeError.OutsideFile o => $"the last byte position {o.Last} is outside a file of {o.Total} bytes (the last byte is {o.Total - 1}); positions are inclusive",
            _ => $"it breaks a Content-Range rule ({error.GetType().Name})",
        };
        return new(HttpStatusCode.BadRequest, FabricErrorCodes.UploadSessionRangeNotSatisfiable, $"Content-Range '{error.Header}' is not valid: {why}.");
    }

    /// <summary>A <c>Content-MD5</c> that is not the base64 of 16 bytes.</summary>
    public static FabricErrorResult InvalidContentMd5(string header) => Invalid(
        $"Content-MD5 '{header}' is not the base64 of a 16-byte MD5 hash. Send base64(MD5(body)), or leave the header out.");

    /// <summary>A <c>session-id</c> that is missing or not a non-zero GUID: <c>FABRIC_E_INVALID_UPLOAD_SESSION_ID</c> for
    /// UploadChunk and GetUploadSession, <c>E_INVALIDARG</c> for Commit and Delete (note S4).</summary>
    public static FabricErrorResult InvalidSessionId(string? text, bool invalidIdCode)
    {
        var message = string.IsNullOrEmpty(text)
            ? "The session-id query parameter is missing. Pass the upload session's GUID, e.g. ?session-id=4a2340e8-d8d8-497c-95fe-cdaa1052f33b (the client chooses it for the first chunk)."
            : $"The session-id '{text}' is not a valid non-zero GUID. Pass the GUID of the upload session, e.g. 4a2340e8-d8d8-497c-95fe-cdaa1052f33b.";
        return invalidIdCode ? new(HttpStatusCode.BadRequest, FabricErrorCodes.InvalidUploadSessionId, message) : Invalid(message);
    }

    /// <summary>An <c>api-version</c> that is missing (<paramref name="text"/> null) or outside the accepted range.</summary>
    public static FabricErrorResult InvalidApiVersion(string? text, double min, double max) => Invalid(string.IsNullOrWhiteSpace(text)
        ? $"The api-version query parameter is missing. Add ?api-version=6.0 (any version from {min:0.0} to {max:0.0} is accepted)."
        : $"api-version '{text}' is not supported. Use a version from {min:0.0} to {max:0.0}, e.g. 6.0.");

    private const string CopyExample = "{\"RemoteSource\":\"MyApp\",\"RemoteDestination\":\"Store\\\\MyApp\",\"SkipFiles\":[],\"CheckMarkFile\":false}";

    /// <summary>A Copy body over the accepted size (413).</summary>
    public static FabricErrorResult CopyBodyTooLarge(long? length, long max) => new(HttpStatusCode.RequestEntityTooLarge, FabricErrorCodes.ValueTooLarge,
        $"The copy description is {length} bytes; at most {max} are accepted.");

    /// <summary>A Copy body that is not JSON of the description's shape (<paramref name="detail"/>: the reader's words), or is empty.</summary>
    public static FabricErrorResult InvalidCopyBody(string? detail) => Invalid(detail is null
        ? $"The body is empty or null. Send an ImageStoreCopyDescription like {CopyExample}."
        : $"The body is not a valid ImageStoreCopyDescription ({detail}). Send JSON like {CopyExample}.");

    /// <summary>A Copy body whose <c>SkipFiles</c> holds an empty entry.</summary>
    public static FabricErrorResult EmptySkipFile() => Invalid(
        "SkipFiles holds an empty or null entry. List file names (or paths relative to RemoteSource), or leave SkipFiles out.");

    /// <summary>A Copy body without <c>RemoteSource</c> or <c>RemoteDestination</c>.</summary>
    public static FabricErrorResult MissingCopyPath(string member) => Invalid(
        $"{member} is missing or empty. Give the store-relative path to copy {(member == "RemoteSource" ? "from" : "to")}, e.g. {CopyExample}.");

    /// <summary>A body in a content coding (415): the store keeps exactly the bytes it is sent.</summary>
    /// <param name="header"><c>Content-Encoding</c> or <c>Transfer-Encoding</c>.</param>
    /// <param name="value">The header's value.</param>
    public static FabricErrorResult UnsupportedCoding(string header, string value) => new(HttpStatusCode.UnsupportedMediaType, FabricErrorCodes.InvalidArgument,
        header.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
            ? $"Transfer-Encoding '{value}' is not supported: only 'chunked' framing is accepted, no compression. Send the body uncompressed."
            : $"{header} '{value}' is not supported: the store keeps the bytes exactly as sent. Send the body uncompressed, without a {header} header.");

    /// <summary>The request's deadline passed (504).</summary>
    public static FabricErrorResult TimedOut(TimeSpan timeout) => new(HttpStatusCode.GatewayTimeout, FabricErrorCodes.Timeout,
        $"The operation did not finish within its timeout of {timeout.TotalSeconds} seconds (the request's ?timeout=, at most ImageStore:Limits:MaxRequestTimeout). Retry it, or pass a larger ?timeout= in seconds.");

    /// <summary>FolderSize of a path with nothing under it (404 <c>FABRIC_E_DIRECTORY_NOT_FOUND</c>).</summary>
    public static FabricErrorResult NoFolder(StorePath path) => new(HttpStatusCode.NotFound, FabricErrorCodes.DirectoryNotFound,
        $"There is no folder or file at '{path}'. Check the path (GET /ImageStore lists the store's root).");

    // ---- the endpoint ----

    /// <summary>A request outside the image store API (<paramref name="clusterRoutes"/>: the cluster-level paths served).</summary>
    public static FabricErrorResult NotImageStore(IEnumerable<string> clusterRoutes) => Invalid(
        $"This server serves the Service Fabric image store API under /ImageStore, and {string.Join(", ", clusterRoutes)}.");

    /// <summary>No operation has the request's method and route: <paramref name="sameName"/> are the routes of the operation
    /// of that name, if any; else <paramref name="served"/> lists every route.</summary>
    public static FabricErrorResult NoOperation(string method, string path, IReadOnlyCollection<string> sameName, IEnumerable<string> served)
    {
        var hint = sameName.Count > 0
            ? $"It is served as {string.Join(" and ", sameName)}."
            : $"The operations served are: {string.Join("; ", served.Order())}.";
        return Invalid($"No image store operation matches {method} {path}. {hint}");
    }

    /// <summary>A request Kestrel could not read (its status: 400, or 413 for a body over the limit).</summary>
    public static FabricErrorResult UnreadableRequest(BadHttpRequestException bad) => new((HttpStatusCode)bad.StatusCode,
        bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? FabricErrorCodes.ValueTooLarge : FabricErrorCodes.InvalidArgument,
        $"The request could not be read: {bad.Message}");

    /// <summary>Blob Storage unreachable (<paramref name="status"/> 0) or answering 408, 429 or 5xx (503).</summary>
    public static FabricErrorResult StorageUnavailable(int status, string? errorCode) => new(HttpStatusCode.ServiceUnavailable,
        status == 0 ? FabricErrorCodes.ServiceOffline : FabricErrorCodes.ServiceTooBusy,
        status == 0
            ? "Blob Storage cannot be reached right now. Nothing was changed by this request; retry it later."
            : $"Blob Storage is busy or failing ({status} {errorCode}). Retry the request later.");

    /// <summary>A failure nothing else answers (500), naming the request for the operator's logs.</summary>
    public static FabricErrorResult Unexpected(Exception? e, string traceIdentifier) => new(HttpStatusCode.InternalServerError, FabricErrorCodes.Fail,
        $"The server failed unexpectedly ({e?.GetType().Name}); retry the request. If it keeps failing, report request {traceIdentifier} to the operator.");

    /// <summary>A request the rate limits turned away (503 with <c>Retry-After</c>): <paramref name="callerUploads"/> when it was
    /// an upload over the caller's own limit, else the server's.</summary>
    public static FabricErrorResult RateLimited(ImageStoreLimitsOptions limits, bool callerUploads) => new(HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceTooBusy,
        callerUploads
            ? $"This caller already has {limits.MaxConcurrentUploadsPerCaller} uploads running and {limits.UploadQueueLimitPerCaller} waiting (ImageStore:Limits:MaxConcurrentUploadsPerCaller, UploadQueueLimitPerCaller). Retry after {limits.RetryAfterSeconds} s, or upload fewer chunks in parallel."
            : $"The server is serving its limit of {limits.MaxConcurrentRequests} requests (ImageStore:Limits:MaxConcurrentRequests). Retry after {limits.RetryAfterSeconds} s.");

    // ---- authentication and authorization (Security/CallerAuthentication.cs, Security/ImageStoreAccess.cs) ----

    /// <summary>No security configured and the request did not arrive on a loopback address (401).</summary>
    public static FabricErrorResult LoopbackOnly() => Unauthenticated(
        "This server has no client security configured, so it serves only requests that arrive on a loopback address. Configure ImageStore:Security (client certificates or AzureActiveDirectory), or set ImageStore:Security:AllowAnonymous=true to serve anonymous callers on every address.");

    /// <summary>No credentials where some are required (401); <paramref name="certificates"/> and
    /// <paramref name="entraApplication"/> (the cluster application, null: no Entra ID) say which are accepted.</summary>
    public static FabricErrorResult CredentialsRequired(bool certificates, string? entraApplication) =>
        Unauthenticated(CredentialsWanted(certificates, entraApplication));

    /// <summary>Credentials that failed (401): <paramref name="what"/> names them, <paramref name="reason"/> is the handler's.</summary>
    public static FabricErrorResult CredentialRejected(string what, string reason, bool certificates, string? entraApplication) =>
        Unauthenticated($"The {what} was rejected: {reason}. {CredentialsWanted(certificates, entraApplication)}");

    /// <summary>A forwarded client certificate header that does not hold a certificate (401).</summary>
    public static FabricErrorResult ForwardedCertificateInvalid(string header) => Unauthenticated(
        $"The {header} header does not hold a base64-encoded certificate.");

    /// <summary>A valid client certificate that no setting allows (403).</summary>
    public static FabricErrorResult CertificateNotAllowed(string thumbprint, string? subject) => AccessDenied(
        $"The client certificate {thumbprint} ({subject}) is valid but not allowed here. An operator must add its thumbprint to ImageStore:Security:ClientCertificateThumbprints, or its common name and issuer to ClientCertificateCommonNames.");

    /// <summary>An Entra ID token without an app role of the cluster application (403).</summary>
    public static FabricErrorResult NoAppRole() => AccessDenied(
        "The Entra ID token has neither the Admin nor the User (ReadOnly) app role of the cluster application. Ask an administrator to assign you one of these roles.");

    /// <summary>A ReadOnly caller asking for an operation that writes (403).</summary>
    public static FabricErrorResult AdminRequired(string operationId, CallerKind kind) => AccessDenied(
        $"{operationId} changes the image store and needs the Admin role; this {DescribeCaller(kind)} has the ReadOnly role, which may only read (GET). Use an admin client certificate or an Entra ID account with the Admin app role.");

    private static string DescribeCaller(CallerKind kind) => kind switch
    {
        CallerKind.Certificate => "client certificate",
        CallerKind.Entra => "Entra ID account",
        CallerKind.FunctionKey => "function key",
        _ => "caller",
    };

    /// <summary>Entra ID's OpenID configuration could not be read, so no token can be checked (503 FABRIC_E_SERVICE_OFFLINE).</summary>
    public static FabricErrorResult IdentityProviderUnreachable(string? metadataAddress) => new(HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceOffline,
        $"The identity provider cannot be reached (its OpenID configuration and signing keys at {metadataAddress} could not be read), so the Entra ID token cannot be checked. " +
        "Nothing was changed; retry later. Operators: check the network path to Microsoft Entra ID, or ImageStore:Security:AzureActiveDirectory:MetadataAddress.");

    private static string CredentialsWanted(bool certificates, string? entraApplication)
    {
        var ways = new List<string>();
        if (certificates)
        {
            ways.Add("a client certificate (TLS, e.g. sfctl --pem, or --cert and --key)");
        }

        if (entraApplication is not null)
        {
            ways.Add($"an Entra ID bearer token for the cluster application {entraApplication} (e.g. sfctl cluster select --aad; GET /$/GetAadMetadata says where to sign in)");
        }

        return $"Authenticate with {string.Join(" or ", ways)}.";
    }

    private static FabricErrorResult Ended(SessionEnded e)
    {
        var r = e.Record;
        return r.State switch
        {
            SessionState.Committed => Conflict(
                $"Upload session {r.SessionId} was committed at {Iso(e.At)}: '{r.Path}' holds its file, and the session accepts nothing more. To upload again, start a new session with a new session-id."),
            SessionState.Deleted => NotFound(
                $"Upload session {r.SessionId} for '{r.Path}' was deleted at {Iso(e.At)} (DeleteUploadSession, or a delete of its path), and its chunks were discarded. " +
                "It cannot be resumed or committed: start a new session with a new session-id and upload the file again."),
            _ => NotFound(
                $"Upload session {r.SessionId} for '{r.Path}' expired at {Iso(e.At)}, {Describe(e.At - r.Modified)} after its last recorded activity at {Iso(r.Modified)} (a session expires some time after no chunk has come for ImageStore:SessionExpiry), and its chunks were discarded. " +
                "It cannot be resumed or committed: start a new session with a new session-id and upload the file again."),
        };
    }

    private static FabricErrorResult Held(PathHeld h)
    {
        var doing = h.Action switch
        {
            WriteAction.UploadFile => "Uploading this file",
            WriteAction.Copy => "Copying onto it",
            WriteAction.Delete => "Deleting it",
            _ => "Starting a second session on it",
        };
        if (h.Holder is { } s)
        {
            return Conflict(
                $"'{h.Path}' has an open upload session, {s.SessionId} (started {Iso(s.Created)}, last chunk {Iso(s.Modified)}). " +
                $"{doing} would discard the chunks that session has received (only one writer per path: Blob Storage drops a file's uncommitted blocks whenever the file is written), so nothing was changed. " +
                $"Resume it by sending the missing ranges (GET /ImageStore/{h.Path}/$/GetUploadSession) with session-id={s.SessionId} and commit it, " +
                $"or end it with DELETE /ImageStore/$/DeleteUploadSession?session-id={s.SessionId}, then retry.");
        }

        return Conflict(
            $"'{h.Path}' is being written right now by another request (an UploadFile, a Copy onto it or a Delete, until {Iso(h.Claim.Until ?? h.Claim.Claimed)} at the latest). " +
            $"{doing} at the same time would discard or replace its bytes, so nothing was changed. Retry when it is done.");
    }

    /// <summary>The kind of a session's owner as a person says it; never its identity.</summary>
    private static string DescribeOwner(string kind) => kind switch
    {
        "certificate" => "a client certificate",
        "entra" => "an Entra ID user",
        "anonymous" => "an anonymous caller",
        "function-key" => "a function-key caller",
        _ => "another kind of caller",
    };

    private static FabricErrorResult Conflict(string message) => new(HttpStatusCode.Conflict, FabricErrorCodes.UploadSessionIdConflict, message);

    private static FabricErrorResult NotFound(string message) => new(HttpStatusCode.NotFound, FabricErrorCodes.FileNotFound, message);

    private static FabricErrorResult Invalid(string message) => new(HttpStatusCode.BadRequest, FabricErrorCodes.InvalidArgument, message);

    private static FabricErrorResult TooLarge(string message) => new(HttpStatusCode.RequestEntityTooLarge, FabricErrorCodes.ValueTooLarge, message);

    private static FabricErrorResult Unauthenticated(string message) => new(HttpStatusCode.Unauthorized, FabricErrorCodes.AccessDenied, message);

    private static FabricErrorResult AccessDenied(string message) => new(HttpStatusCode.Forbidden, FabricErrorCodes.AccessDenied, message);

    private static string Describe(IReadOnlyList<ByteRange> ranges) =>
        ranges.Count == 0 ? "none" : string.Join(", ", ranges.Take(20)) + (ranges.Count > 20 ? $" and {ranges.Count - 20} more" : "");

    /// <summary>"30 minutes", "2 seconds", "1.5 hours": a duration as a person says it.</summary>
    public static string Describe(TimeSpan span)
    {
        static string Unit(double value, string unit) =>
            $"{value.ToString("0.##", CultureInfo.InvariantCulture)} {unit}{(value == 1 ? "" : "s")}";

        return span.TotalMinutes < 1 ? Unit(span.TotalSeconds, "second")
            : span.TotalHours < 2 ? Unit(span.TotalMinutes, "minute")
            : span.TotalDays < 2 ? Unit(span.TotalHours, "hour")
            : Unit(span.TotalDays, "day");
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
