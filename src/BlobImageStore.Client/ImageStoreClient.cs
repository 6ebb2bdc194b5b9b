using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace BlobImageStore.Client;

/// <summary>
/// The typed client of every image store operation (servicefabric-imagestore.json), for an <see cref="HttpClient"/>
/// given directly or by IHttpClientFactory (<see cref="ImageStoreClientServiceCollectionExtensions.AddImageStoreClient"/>).
/// FabricError answers become <see cref="ImageStoreException"/>. Every operation here is idempotent on this API
/// (uploads overwrite, deletes of nothing succeed, commits of a committed session succeed, an exact chunk re-send is
/// accepted), so each is retried on transient failures with exponential backoff; 4xx answers are never retried.
/// </summary>
public sealed partial class ImageStoreClient : IUploadSessionClient, IImageStoreWriter, IImageStoreReader
{
    private const string SessionApi = "6.0";
    private const string ContentApi = "6.2";
    private const string SizeApi = "6.5";

    private readonly HttpClient _http;
    private readonly ImageStoreClientOptions _options;
    private readonly ILogger<ImageStoreClient> _logger;
    private readonly ResiliencePipeline _retry;

    /// <summary>A client over <paramref name="http"/> (whose <see cref="HttpClient.BaseAddress"/>, when set, wins over
    /// <see cref="ImageStoreClientOptions.Endpoint"/>).</summary>
    /// <param name="http">The HttpClient to send with; its own timeout should be infinite (the client keeps one per attempt).</param>
    /// <param name="options">Endpoint, key, timeout and retries.</param>
    /// <param name="logger">Logs retries; optional.</param>
    public ImageStoreClient(HttpClient http, IOptions<ImageStoreClientOptions> options, ILogger<ImageStoreClient>? logger = null)
    {
        _http = http;
        _options = options.Value;
        _logger = logger ?? NullLogger<ImageStoreClient>.Instance;
        _retry = BuildRetry(_options.Retry);
    }

    /// <summary>The endpoint requests go to.</summary>
    public Uri Endpoint => _http.BaseAddress ?? _options.Endpoint;

    // ---- Upload sessions ------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public Task UploadChunkAsync(UploadChunkRequest chunk, CancellationToken cancellationToken = default)
    {
        var path = StorePaths.RequireFilePath(chunk.StorePath);
        var expected = chunk.FileSize == 0 ? 0 : chunk.Last - chunk.First + 1;
        if (chunk.Content.Length != expected)
        {
            throw new ArgumentException($"The chunk {chunk.ContentRange} needs {expected} bytes of content, not {chunk.Content.Length}.", nameof(chunk));
        }

        var md5 = chunk.ContentMd5 ?? Convert.ToBase64String(MD5.HashData(chunk.Content.Span));
        var uri = Url($"/ImageStore/{StorePaths.Encode(path)}/$/UploadChunk", SessionApi, ("session-id", chunk.SessionId.ToString("D")));
        return SendAsync("UploadFileChunk", () =>
        {
            var content = new ChunkContent(chunk.Content, chunk.BytesWritten, chunk.Throttle);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.TryAddWithoutValidation("Content-Range", chunk.ContentRange);
            content.Headers.TryAddWithoutValidation("Content-MD5", md5);
            return new HttpRequestMessage(HttpMethod.Put, uri) { Content = content };
        }, chunk.Retrying, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<UploadSessionInfo?> GetUploadSessionAsync(Guid sessionId, CancellationToken cancellationToken = default)
    {
        var uri = Url("/ImageStore/$/GetUploadSession", SessionApi, ("session-id", sessionId.ToString("D")));
        var body = await GetJsonAsync("GetImageStoreUploadSessionById", uri, ImageStoreJson.Default.UploadSessionBody, cancellationToken);
        return body?.UploadSessions?.Select(s => s.ToModel()).FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<UploadSessionInfo>> GetUploadSessionsByPathAsync(string storePath, CancellationToken cancellationToken = default)
    {
        var uri = Url($"/ImageStore/{StorePaths.Encode(StorePaths.RequireFilePath(storePath))}/$/GetUploadSession", SessionApi);
        var body = await GetJsonAsync("GetImageStoreUploadSessionByPath", uri, ImageStoreJson.Default.UploadSessionBody, cancellationToken);
        return body?.UploadSessions?.Select(s => s.ToModel()).ToList() ?? [];
    }

    /// <inheritdoc/>
    public Task CommitUploadSessionAsync(Guid sessionId, CancellationToken cancellationToken = default)
    {
        var uri = Url("/ImageStore/$/CommitUploadSession", SessionApi, ("session-id", sessionId.ToString("D")));
        return SendAsync("CommitImageStoreUploadSession", () => new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent([]) }, null, cancellationToken);
    }

    /// <inheritdoc/>
    public Task DeleteUploadSessionAsync(Guid sessionId, CancellationToken cancellationToken = default)
    {
        var uri = Url("/ImageStore/$/DeleteUploadSession", SessionApi, ("session-id", sessionId.ToString("D")));
        return SendAsync("DeleteImageStoreUploadSession", () => new HttpRequestMessage(HttpMethod.Delete, uri), null, cancellationToken);
    }

    // ---- Content --------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public Task UploadFileAsync(string storePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var uri = Url($"/ImageStore/{StorePaths.Encode(StorePaths.RequireFilePath(storePath))}", SessionApi);
        return SendAsync("UploadFile", () =>
        {
            var body = new ChunkContent(content, null, null);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return new HttpRequestMessage(HttpMethod.Put, uri) { Content = body };
        }, null, cancellationToken);
    }

    /// <inheritdoc/>
    public Task UploadFileAsync(string storePath, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var uri = Url($"/ImageStore/{StorePaths.Encode(StorePaths.RequireFilePath(storePath))}", SessionApi);
        var start = content.CanSeek ? content.Position : -1;
        var attempts = 0;
        return SendAsync("UploadFile", () =>
        {
            if (attempts++ > 0)
            {
                // A retry sends the body again from where it started; a stream that cannot seek cannot be sent twice.
                if (start < 0)
                {
                    throw new InvalidOperationException("UploadFile failed after part of a non-seekable stream was sent; it cannot be sent again. Use a seekable stream (a FileStream, a MemoryStream) to get retries.");
                }

                content.Position = start;
            }

            var body = new StreamBody(content, start < 0 ? null : content.Length - start);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return new HttpRequestMessage(HttpMethod.Put, uri) { Content = body };
        }, null, cancellationToken);
    }

    /// <inheritdoc/>
    public Task DeleteContentAsync(string storePath, CancellationToken cancellationToken = default)
    {
        var uri = Url($"/ImageStore/{StorePaths.Encode(StorePaths.RequireFilePath(storePath))}", SessionApi);
        return SendAsync("DeleteImageStoreContent", () => new HttpRequestMessage(HttpMethod.Delete, uri), null, cancellationToken);
    }

    /// <inheritdoc/>
    public Task CopyContentAsync(CopyDescription copy, CancellationToken cancellationToken = default)
    {
        var wire = new CopyDescriptionBody(
            StorePaths.RequireFilePath(copy.RemoteSource), StorePaths.RequireFilePath(copy.RemoteDestination),
            copy.SkipFiles?.ToList(), copy.CheckMarkFile);
        var uri = Url("/ImageStore/$/Copy", SessionApi);
        return SendAsync("CopyImageStoreContent",
            () => new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(wire, ImageStoreJson.Default.CopyDescriptionBody) },
            null, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<ImageStoreContent> ListPageAsync(string? storePath, string? continuationToken = null, CancellationToken cancellationToken = default)
    {
        var path = StorePaths.Normalize(storePath ?? string.Empty);
        var token = string.IsNullOrEmpty(continuationToken) ? [] : new[] { ("ContinuationToken", continuationToken) };
        var uri = path.Length == 0
            ? Url("/ImageStore", SessionApi, token)
            : Url($"/ImageStore/{StorePaths.Encode(path)}", ContentApi, token);
        var body = await GetJsonAsync(path.Length == 0 ? "GetImageStoreRootContent" : "GetImageStoreContent", uri, ImageStoreJson.Default.ImageStoreContentBody, cancellationToken);
        return body?.ToModel() ?? ImageStoreContent.Empty;
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ImageStoreContent> ListPagesAsync(
        string? storePath, string? continuationToken = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var token = continuationToken;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        do
        {
            var page = await ListPageAsync(storePath, token, cancellationToken);
            yield return page;
            token = page.ContinuationToken;
            if (token is not null && !seen.Add(token))
            {
                throw new InvalidOperationException($"The server sent the continuation token '{token}' twice; the listing of '{storePath}' would never end.");
            }
        }
        while (token is not null);
    }

    /// <inheritdoc/>
    public async Task<ImageStoreContent> ListAsync(string? storePath, CancellationToken cancellationToken = default)
    {
        var files = new List<StoreFileInfo>();
        var folders = new List<StoreFolderInfo>();
        await foreach (var page in ListPagesAsync(storePath, null, cancellationToken))
        {
            files.AddRange(page.StoreFiles);
            folders.AddRange(page.StoreFolders);
        }

        return new ImageStoreContent(files, folders, null);
    }

    /// <inheritdoc/>
    public async Task<FolderSizeInfo> GetFolderSizeAsync(string? storePath, CancellationToken cancellationToken = default)
    {
        var path = StorePaths.Normalize(storePath ?? string.Empty);
        var uri = Url(path.Length == 0 ? "/ImageStore/$/FolderSize" : $"/ImageStore/{StorePaths.Encode(path)}/$/FolderSize", SizeApi);
        var body = await GetJsonAsync(path.Length == 0 ? "GetImageStoreRootFolderSize" : "GetImageStoreFolderSize", uri, ImageStoreJson.Default.FolderSizeInfoBody, cancellationToken);
        return new FolderSizeInfo(body?.StoreRelativePath ?? path, body?.FolderSize ?? 0);
    }

    /// <inheritdoc/>
    public async Task<ImageStoreInfo> GetInfoAsync(CancellationToken cancellationToken = default)
    {
        var body = await GetJsonAsync("GetImageStoreInfo", Url("/ImageStore/$/Info", SizeApi), ImageStoreJson.Default.ImageStoreInfoBody, cancellationToken);
        return body?.ToModel() ?? new ImageStoreInfo(null, null, null, null, null);
    }

    // ---- Plumbing -------------------------------------------------------------------------------------------------

    private Uri Url(string path, string apiVersion, params (string Name, string Value)[] query)
    {
        var baseUri = Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var q = string.Join('&', query.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}")
            .Append($"api-version={apiVersion}")
            .Append(string.Create(CultureInfo.InvariantCulture, $"timeout={Math.Max(1, (long)Math.Ceiling(_options.Timeout.TotalSeconds))}")));
        return new Uri($"{baseUri}{path}?{q}");
    }

    /// <summary>GET a JSON body; null on 204 (no session, empty folder).</summary>
    private async Task<T?> GetJsonAsync<T>(string operation, Uri uri, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await SendCoreAsync(operation, () => new HttpRequestMessage(HttpMethod.Get, uri), null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(text, type);
        }
        catch (JsonException e)
        {
            throw new ImageStoreException(response.StatusCode, "SerializationError",
                $"{operation}: the answer is not the JSON the spec describes ({e.Message}): {Truncate(text)}", e);
        }
    }

    private async Task SendAsync(string operation, Func<HttpRequestMessage> build, Action<Exception>? retrying, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(operation, build, retrying, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendCoreAsync(string operation, Func<HttpRequestMessage> build, Action<Exception>? retrying, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(OperationKey, operation);
        context.Properties.Set(ConnectFailuresKey, new StrongBox<int>());
        if (retrying is not null)
        {
            context.Properties.Set(RetryingKey, retrying);
        }

        try
        {
            return await _retry.ExecuteAsync(async ctx => await AttemptAsync(operation, build, ctx.CancellationToken), context);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<HttpResponseMessage> AttemptAsync(string operation, Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        using var request = build();
        if (!string.IsNullOrEmpty(_options.ApiKey))
        {
            request.Headers.TryAddWithoutValidation(ImageStoreClientOptions.FunctionsKeyHeader, _options.ApiKey);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout + TimeSpan.FromSeconds(5)); // the server's own timeout answers first
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{operation} {request.RequestUri?.AbsolutePath} had no answer within {_options.Timeout.TotalSeconds:0} s.", e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ToExceptionAsync(response, cancellationToken);
        }
    }

    /// <summary>Maps an error answer: the FabricError body when there is one, else the status (404 → FABRIC_E_DOES_NOT_EXIST, like the official client).</summary>
    internal static async Task<ImageStoreException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                if (JsonSerializer.Deserialize(text, ImageStoreJson.Default.FabricErrorBody)?.Error is { Code: { Length: > 0 } code } error)
                {
                    return new ImageStoreException(response.StatusCode, code, error.Message ?? string.Empty) { RetryAfter = RetryAfterOf(response) };
                }
            }
            catch (JsonException)
            {
                // Not a FabricError (a proxy's or a host's own error page): fall through to the status.
            }
        }

        var status = (int)response.StatusCode;
        var reason = response.ReasonPhrase;
        var fallback = response.StatusCode switch
        {
            HttpStatusCode.NotFound => ImageStoreException.DoesNotExist,
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => FabricErrorCodes.AccessDenied,
            HttpStatusCode.RequestEntityTooLarge => FabricErrorCodes.ValueTooLarge,
            HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout => FabricErrorCodes.Timeout,
            _ => reason is { Length: > 0 } r && r.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_') ? r : "HTTP_" + status.ToString(CultureInfo.InvariantCulture),
        };
        var message = string.IsNullOrWhiteSpace(text)
            ? $"The server answered {status} {reason} without a FabricError body."
            : $"The server answered {status} {reason}: {Truncate(text)}";
        return new ImageStoreException(response.StatusCode, fallback, message) { HasFabricError = false, RetryAfter = RetryAfterOf(response) };
    }

    /// <summary>The <c>Retry-After</c> delay (seconds or an HTTP date), never negative.</summary>
    private static TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>No connection could be made: refused (nothing listens there) or the host name does not resolve.</summary>
    internal static bool IsConnectFailure(Exception e) =>
        e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };

    private static readonly ResiliencePropertyKey<string> OperationKey = new("imagestore.operation");
    private static readonly ResiliencePropertyKey<Action<Exception>> RetryingKey = new("imagestore.retrying");
    private static readonly ResiliencePropertyKey<StrongBox<int>> ConnectFailuresKey = new("imagestore.connect-failures");

    /// <summary>Transient: the network failed, the attempt timed out, or the answer was 408, 429 or 5xx.</summary>
    internal static bool IsTransient(Exception e) => e switch
    {
        ImageStoreException fabric => fabric.IsTransient,
        HttpRequestException { InnerException: System.Security.Authentication.AuthenticationException } => false, // TLS: an untrusted certificate stays untrusted
        HttpRequestException or IOException or TimeoutException => true,
        _ => false,
    };

    private ResiliencePipeline BuildRetry(RetryOptions retry)
    {
        if (retry.MaxRetries <= 0)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxRetries,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)
                    && (!IsConnectFailure(e) || Interlocked.Increment(ref args.Context.Properties.GetValue(ConnectFailuresKey, new StrongBox<int>()).Value) <= retry.MaxConnectRetries)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is ImageStoreException { RetryAfter: { } after }
                    ? (TimeSpan?)(after > retry.MaxRetryAfter ? retry.MaxRetryAfter : after)
                    : null),
                OnRetry = args =>
                {
                    var operation = args.Context.Properties.GetValue(OperationKey, "request");
                    LogRetry(_logger, operation, args.AttemptNumber + 1, retry.MaxRetries, args.RetryDelay.TotalMilliseconds,
                        args.Outcome.Exception?.GetType().Name, args.Outcome.Exception?.Message);
                    if (args.Context.Properties.TryGetValue(RetryingKey, out var callback) && args.Outcome.Exception is { } e)
                    {
                        callback(e);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} failed transiently ({ErrorType}: {Error}); retry {Attempt} of {MaxRetries} in {DelayMs:0} ms")]
    private static partial void LogRetry(ILogger logger, string operation, int attempt, int maxRetries, double delayMs, string? errorType, string? error);
}
