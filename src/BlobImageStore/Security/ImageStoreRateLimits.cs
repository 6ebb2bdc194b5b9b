using System.Globalization;
using System.Threading.RateLimiting;
using BlobImageStore.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Security;

/// <summary>
/// The concurrency limits of <c>ImageStore:Limits</c> as one limiter over requests (System.Threading.RateLimiting, the
/// limiters of ASP.NET Core's rate limiting middleware), the same in both hosts: the self-host runs it as the middleware's
/// global limiter; the Functions app, whose worker pipeline has no middleware the app controls, enters it around each
/// request (<see cref="EnterAsync"/>). The rules:
/// <list type="bullet">
/// <item>at most <c>MaxConcurrentRequests</c> image store requests at once, plus a queue of <c>RequestQueueLimit</c>;</item>
/// <item>at most <c>MaxConcurrentUploadsPerCaller</c> UploadChunk/UploadFile requests per caller (its <see cref="Caller.Identity"/>;
/// anonymous and function-key callers, who share one identity, by IP address), plus a queue of <c>UploadQueueLimitPerCaller</c>;</item>
/// <item>exempt paths (<see cref="SecurityExemptions"/>) are not limited;</item>
/// <item>a rejected request gets 503 FABRIC_E_SERVICE_TOO_BUSY with <c>Retry-After</c>, its body unread.</item>
/// </list>
/// The caller must be identified before (<see cref="CallerAuthentication.IdentifyAsync"/>) so that uploads count per caller.
/// </summary>
public sealed class ImageStoreRateLimits : IDisposable
{
    private readonly ImageStoreLimitsOptions _limits;

    public ImageStoreRateLimits(IOptions<ImageStoreLimitsOptions> options)
    {
        var limits = _limits = options.Value;
        var all = PartitionedRateLimiter.Create<HttpContext, string>(context => SecurityExemptions.IsExempt(context)
            ? RateLimitPartition.GetNoLimiter("exempt")
            : RateLimitPartition.GetConcurrencyLimiter("requests", _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = limits.MaxConcurrentRequests,
                QueueLimit = limits.RequestQueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));
        var uploads = PartitionedRateLimiter.Create<HttpContext, string>(context => IsUpload(context)
            ? RateLimitPartition.GetConcurrencyLimiter(UploaderKey(context), _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = limits.MaxConcurrentUploadsPerCaller,
                QueueLimit = limits.UploadQueueLimitPerCaller,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            })
            : RateLimitPartition.GetNoLimiter("not-an-upload"));
        Limiter = PartitionedRateLimiter.CreateChained(uploads, all);
    }

    public PartitionedRateLimiter<HttpContext> Limiter { get; }

    /// <summary>
    /// For a host without the middleware: waits for the request's permits (in the queues, as the middleware does); null
    /// when the request was rejected, and then its 503 has been written. Dispose the lease when the request is done.
    /// </summary>
    public async Task<RateLimitLease?> EnterAsync(HttpContext context)
    {
        var lease = Limiter.AttemptAcquire(context);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            lease = await Limiter.AcquireAsync(context, cancellationToken: context.RequestAborted);
        }

        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        await RejectAsync(context);
        return null;
    }

    /// <summary>The answer to a rejected request: 503 FABRIC_E_SERVICE_TOO_BUSY with <c>Retry-After</c>, naming the limit hit.</summary>
    public async Task RejectAsync(HttpContext context)
    {
        var limits = _limits;
        context.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await ErrorCatalogue.RateLimited(limits, callerUploads: IsUpload(context) && Caller.Of(context) is not null).ExecuteAsync(context);
    }

    public void Dispose() => Limiter.Dispose();

    /// <summary>UploadChunk and UploadFile: the PUTs under /ImageStore.</summary>
    private static bool IsUpload(HttpContext context) =>
        HttpMethods.IsPut(context.Request.Method)
        && context.Request.Path.StartsWithSegments(ImageStoreRequest.Prefix, StringComparison.OrdinalIgnoreCase);

    private static string UploaderKey(HttpContext context) =>
        Caller.Of(context) is { Kind: not (CallerKind.Anonymous or CallerKind.FunctionKey) } caller
            ? caller.Identity
            : "address:" + context.Connection.RemoteIpAddress; // callers that share one identity are told apart by address
}
