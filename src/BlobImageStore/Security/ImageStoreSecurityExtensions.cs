using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using BlobImageStore.Errors;
using BlobImageStore.Http;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Security;

public static class ImageStoreSecurityExtensions
{
    /// <summary>
    /// Security for both hosts: <c>ImageStore:Security</c> and <c>ImageStore:Limits</c> (validated at start), the
    /// certificate and Entra ID handlers, <see cref="CallerAuthentication"/>, <see cref="ImageStoreAccess"/> (which
    /// <see cref="ImageStoreEndpoint"/> runs), and the <c>/$/GetAadMetadata</c> operation.
    /// </summary>
    public static IServiceCollection AddImageStoreSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ImageStoreSecurityOptions>()
            .Bind(configuration.GetSection(ImageStoreSecurityOptions.SectionName))
            .PostConfigure(o => o.IgnoreEmptyEntries())
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ImageStoreSecurityOptions>, ImageStoreSecurityOptionsValidator>();
        services.AddOptions<ImageStoreLimitsOptions>()
            .Bind(configuration.GetSection(ImageStoreLimitsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddAuthentication()
            .AddCertificate(CallerAuthentication.CertificateScheme, _ => { })
            .AddJwtBearer(CallerAuthentication.EntraScheme, _ => { });
        services.AddSingleton<IConfigureOptions<CertificateAuthenticationOptions>, CertificateSchemeSetup>();
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, EntraSchemeSetup>();

        services.TryAddSingleton(new SecurityHost(HostAccessMode.LoopbackAnonymous));
        services.AddSingleton<CallerAuthentication>();
        services.AddSingleton<ImageStoreAccess>();
        services.AddSingleton<ListenAddressGuard>();
        services.AddSingleton<IImageStoreOperation, GetAadMetadata>();
        services.AddImageStoreRateLimits();
        return services;
    }

    /// <summary>
    /// The self-host's pipeline part of security: finds the caller early (so the limits can count per caller), applies
    /// the rate limits, and checks the bound addresses once the server has started (<see cref="ListenAddressGuard"/>).
    /// The authorization itself runs in <see cref="ImageStoreEndpoint"/>, the same in both hosts.
    /// </summary>
    public static WebApplication UseImageStoreSecurity(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            if (!app.Services.GetRequiredService<ListenAddressGuard>().Check(addresses))
            {
                Environment.ExitCode = ListenAddressGuard.RefusedExitCode;
                app.Lifetime.StopApplication();
            }
        });

        var authentication = app.Services.GetRequiredService<CallerAuthentication>();
        app.Use(async (context, next) =>
        {
            if (!SecurityExemptions.IsExempt(context))
            {
                try
                {
                    await authentication.AuthenticateAsync(context);
                }
                catch (FabricException)
                {
                    // Counted as unauthenticated; the endpoint answers the 401/403 (the same in both hosts).
                }
            }

            await next(context);
        });
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// The rate limiting middleware's global limiter (ASP.NET Core rate limiting): at most
    /// <c>MaxConcurrentRequests</c> image store requests at once (plus a queue of <c>RequestQueueLimit</c>), and at most
    /// <c>MaxConcurrentUploadsPerCaller</c> UploadChunk/UploadFile requests per caller (plus a queue of
    /// <c>UploadQueueLimitPerCaller</c>). Exempt paths are not limited.
    /// A rejected request gets 503 FABRIC_E_SERVICE_TOO_BUSY with <c>Retry-After</c>.
    /// </summary>
    private static IServiceCollection AddImageStoreRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ImageStoreLimitsOptions>>((options, limitsOptions) =>
        {
            var limits = limitsOptions.Value;
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
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(uploads, all);
            options.OnRejected = async (rejected, _) =>
            {
                var context = rejected.HttpContext;
                context.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                var message = IsUpload(context) && Caller.Of(context) is { } caller
                    ? $"This caller already has {limits.MaxConcurrentUploadsPerCaller} uploads running and {limits.UploadQueueLimitPerCaller} waiting (ImageStore:Limits:MaxConcurrentUploadsPerCaller, UploadQueueLimitPerCaller). Retry after {limits.RetryAfterSeconds} s, or upload fewer chunks in parallel."
                    : $"The server is serving its limit of {limits.MaxConcurrentRequests} requests (ImageStore:Limits:MaxConcurrentRequests). Retry after {limits.RetryAfterSeconds} s.";
                await new FabricErrorResult(HttpStatusCode.ServiceUnavailable, FabricErrorCodes.ServiceTooBusy, message).ExecuteAsync(context);
            };
        });
        return services;
    }

    /// <summary>UploadChunk and UploadFile: the PUTs under /ImageStore.</summary>
    private static bool IsUpload(HttpContext context) =>
        HttpMethods.IsPut(context.Request.Method)
        && context.Request.Path.StartsWithSegments(ImageStoreRequest.Prefix, StringComparison.OrdinalIgnoreCase);

    private static string UploaderKey(HttpContext context) =>
        Caller.Of(context) is { Kind: not CallerKind.Anonymous } caller
            ? caller.Identity
            : "anonymous:" + context.Connection.RemoteIpAddress; // anonymous callers are told apart by address
}
