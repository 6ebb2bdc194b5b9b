using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BlobImageStore.Health;

/// <summary>
/// Health endpoints for load balancers and Azure's health check, with ASP.NET Core health checks:
/// <c>/healthz</c> (live: the process answers; no check runs) and <c>/readyz</c> (ready: Blob Storage reachable and
/// both containers present, see <see cref="IStoreReadiness"/>). 200 when healthy, 503 otherwise, with a small JSON
/// body. Both are anonymous and outside <c>/ImageStore</c>: they answer no matter what authentication the API requires.
/// </summary>
public static class ImageStoreHealth
{
    public const string LivePath = "/healthz";
    public const string ReadyPath = "/readyz";
    public const string ReadyTag = "ready";
    public const string StorageCheck = "storage";

    /// <summary>The probe must answer before a load balancer gives up (typically 5-10 s), even with storage down.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddImageStoreHealth(this IServiceCollection services)
    {
        services.AddSingleton<IStoreReadiness, BlobStoreReadiness>();
        services.AddHealthChecks().AddCheck<StorageHealthCheck>(StorageCheck, HealthStatus.Unhealthy, [ReadyTag], CheckTimeout);
        return services;
    }

    /// <summary>Which checks a probe path runs: none for live, the tagged ones for ready.</summary>
    public static Func<HealthCheckRegistration, bool> Predicate(string path) =>
        path == ReadyPath ? r => r.Tags.Contains(ReadyTag) : _ => false;

    /// <summary>The self-host's routes, allowed anonymously so that a later authorization policy does not cover them.</summary>
    public static IEndpointRouteBuilder MapImageStoreHealth(this IEndpointRouteBuilder endpoints)
    {
        foreach (var path in new[] { LivePath, ReadyPath })
        {
            endpoints.MapHealthChecks(path, new HealthCheckOptions
            {
                Predicate = Predicate(path),
                ResponseWriter = WriteAsync,
                ResultStatusCodes =
                {
                    [HealthStatus.Healthy] = StatusCodes.Status200OK,
                    [HealthStatus.Degraded] = StatusCodes.Status200OK,
                    [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
                },
            }).AllowAnonymous().WithMetadata(new HttpMethodMetadata(["GET", "HEAD"]));
        }

        return endpoints;
    }

    /// <summary>Runs the probe of <paramref name="path"/> and writes its answer (the Functions host's triggers use this).</summary>
    public static async Task AnswerAsync(HttpContext context, string path)
    {
        var service = context.RequestServices.GetRequiredService<HealthCheckService>();
        var report = await service.CheckHealthAsync(Predicate(path), context.RequestAborted);
        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.Headers.CacheControl = "no-store, no-cache";
        await WriteAsync(context, report);
    }

    /// <summary><c>{"status":"Healthy","checks":{"storage":{"status":…,"description":…}}}</c>.</summary>
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description ?? entry.Exception?.Message);
            json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    private sealed class StorageHealthCheck(IStoreReadiness readiness) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var result = await readiness.CheckAsync(cancellationToken);
            return result.Ready ? HealthCheckResult.Healthy(result.Description) : HealthCheckResult.Unhealthy(result.Description);
        }
    }
}
