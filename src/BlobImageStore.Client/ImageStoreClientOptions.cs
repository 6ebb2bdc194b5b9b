namespace BlobImageStore.Client;

/// <summary>How the client reaches the image store.</summary>
public sealed class ImageStoreClientOptions
{
    /// <summary>The header an Azure Functions host reads a function key from.</summary>
    public const string FunctionsKeyHeader = "x-functions-key";

    /// <summary>The Service Fabric HTTP gateway address by default. A <see cref="HttpClient.BaseAddress"/> set on the
    /// HttpClient (e.g. by IHttpClientFactory configuration) takes precedence. May carry a path prefix
    /// (e.g. <c>https://host/api/</c>): requests go to <c>{Endpoint}/ImageStore/…</c>.</summary>
    public Uri Endpoint { get; set; } = new("http://127.0.0.1:19080");

    /// <summary>Sent as <c>x-functions-key</c> when set (a Functions-hosted store).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Deadline of one attempt of one request; also sent as the spec's <c>timeout</c> (seconds) so the server
    /// gives up at about the same time. A chunk must fit in it at the link's speed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Retries of transient failures (network errors, timeouts, 408, 429, 5xx).</summary>
    public RetryOptions Retry { get; set; } = new();
}

/// <summary>
/// Exponential backoff with jitter for transient failures. 4xx answers are never retried here. A <c>Retry-After</c>
/// header (429, 503) sets the delay before the next attempt, up to <see cref="MaxRetryAfter"/>. A connection that cannot
/// be made at all (refused: nothing listens at the endpoint; or a host name that does not resolve) is retried at most
/// <see cref="MaxConnectRetries"/> times, so a mistyped endpoint fails within about a second and a half instead of
/// waiting through every retry.
/// </summary>
public sealed class RetryOptions
{
    /// <summary>Retries after the first attempt; 0 turns retrying off.</summary>
    public int MaxRetries { get; set; } = 6;

    /// <summary>Median delay before the first retry; it doubles with each retry.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest delay between two attempts of the backoff.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Retries of a request whose connection was refused or whose host did not resolve (default 2, within
    /// <see cref="MaxRetries"/>): with the default delays, about 1.5 s before the error surfaces.</summary>
    public int MaxConnectRetries { get; set; } = 2;

    /// <summary>Longest <c>Retry-After</c> honoured (default 60 s); a longer one waits this long.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);
}
