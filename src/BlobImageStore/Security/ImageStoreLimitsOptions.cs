using System.ComponentModel.DataAnnotations;

namespace BlobImageStore.Security;

/// <summary>
/// The <c>ImageStore:Limits</c> section: bounds against abuse. A request's <c>timeout</c> above
/// <see cref="MaxRequestTimeout"/> is clamped to it (not refused: the official clients compute large timeouts for large
/// files, and a refusal would break them). Requests beyond the concurrency limits wait in a short queue, then get
/// 503 <c>FABRIC_E_SERVICE_TOO_BUSY</c> with <c>Retry-After</c>.
/// </summary>
public sealed class ImageStoreLimitsOptions
{
    public const string SectionName = "ImageStore:Limits";

    /// <summary>Longest time one request may run, whatever its <c>timeout</c> says (the gateway default is 60 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRequestTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Open connections the self-host accepts (Kestrel <c>MaxConcurrentConnections</c>); more are closed at once.</summary>
    [Range(1, 1_000_000)]
    public long MaxConcurrentConnections { get; set; } = 512;

    /// <summary>Image store requests served at once (each may hold two staging buffers of <c>BlockSize</c>).</summary>
    [Range(1, 100_000)]
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Requests that may wait for one of <see cref="MaxConcurrentRequests"/>; more are answered 503 at once.</summary>
    [Range(0, 100_000)]
    public int RequestQueueLimit { get; set; } = 128;

    /// <summary>UploadChunk and UploadFile requests one caller may have running at once.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentUploadsPerCaller { get; set; } = 16;

    /// <summary>A caller's uploads that may wait (their bodies unread) for one of its running slots; more are answered 503.</summary>
    [Range(0, 100_000)]
    public int UploadQueueLimitPerCaller { get; set; } = 64;

    /// <summary>Seconds a client is told to wait (<c>Retry-After</c>) when a limit is hit.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>The deadline of a request: its <c>timeout</c> (null when too long to matter), clamped to <see cref="MaxRequestTimeout"/>.</summary>
    public TimeSpan Clamp(TimeSpan? requested) =>
        requested is { } t && t < MaxRequestTimeout ? t : MaxRequestTimeout;
}
