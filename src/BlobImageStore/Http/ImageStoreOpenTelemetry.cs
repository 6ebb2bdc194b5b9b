using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BlobImageStore.Http;

/// <summary>
/// The one OpenTelemetry pipeline both hosts build (each adds only its own request instrumentation and resource):
/// traces from the image store's operations (<see cref="RequestTelemetry.SourceName"/>) and the Azure SDK's storage
/// calls (<see cref="RequestTelemetry.AzureSdkSources"/>), the image store's metrics, and every ILogger log; exported to
/// Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, and over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (with the other standard <c>OTEL_EXPORTER_OTLP_*</c> settings).
/// </summary>
public static class ImageStoreOpenTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary><c>Authorization=AAD</c>, with <c>ClientId=...</c> for a user-assigned identity: the setting the Functions
    /// host reads for Entra ID ingestion; the worker's exporter is given the same managed identity from it.</summary>
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The standard sampler setting; when set, the Azure Monitor exporter's sampling follows it (and its <c>_ARG</c>).</summary>
    public const string TracesSamplerSetting = "OTEL_TRACES_SAMPLER";

    public static IOpenTelemetryBuilder AddImageStoreTelemetry(this IOpenTelemetryBuilder builder, IConfiguration configuration)
    {
        builder
            .WithTracing(t => t.AddSource(RequestTelemetry.SourceName, RequestTelemetry.AzureSdkSources))
            .WithMetrics(m => m.AddMeter(RequestTelemetry.SourceName))
            .WithLogging(configureBuilder: null, configureOptions: o =>
            {
                o.IncludeFormattedMessage = true;
                o.IncludeScopes = true;
            });

        if (configuration[ConnectionStringSetting] is { Length: > 0 } connectionString)
        {
            var credential = CredentialFrom(configuration[AuthenticationStringSetting]);
            var samplerChosen = !string.IsNullOrEmpty(configuration[TracesSamplerSetting]);
            builder.UseAzureMonitorExporter(o =>
            {
                o.ConnectionString = connectionString;
                o.Credential = credential;
                if (!samplerChosen)
                {
                    // Every trace, as without Azure Monitor. The exporter's default is a rate-limited sampler (5 traces a
                    // second) set on the whole tracer provider: it thinned out the OTLP export as well, and dropped even
                    // the first request's trace of a new pipeline in about half the runs.
                    o.SamplingRatio = 1.0f;
                    o.TracesPerSecond = null;
                }
            });
        }

        if (!string.IsNullOrEmpty(configuration[OtlpEndpointSetting]))
        {
            builder.UseOtlpExporter(); // reads OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL, _HEADERS ... from the configuration
        }

        return builder;
    }

    /// <summary>
    /// The credential an <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> names: <c>Authorization=AAD;ClientId=&lt;id&gt;</c>
    /// is that user-assigned managed identity, <c>Authorization=AAD</c> alone the system-assigned one; empty is none
    /// (the instrumentation key alone). Anything else is refused at start with what to write instead.
    /// </summary>
    public static TokenCredential? CredentialFrom(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                throw Invalid(authenticationString);
            }

            pairs[part[..equals].Trim()] = part[(equals + 1)..].Trim();
        }

        if (!pairs.TryGetValue("Authorization", out var authorization) || !authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(authenticationString);
        }

        return pairs.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }

    private static InvalidOperationException Invalid(string value) => new(
        $"{AuthenticationStringSetting} is '{value}'. Write 'Authorization=AAD;ClientId=<client id of the user-assigned identity>' " +
        "(or 'Authorization=AAD' for the system-assigned identity), or remove it to send telemetry with the connection string alone.");
}
