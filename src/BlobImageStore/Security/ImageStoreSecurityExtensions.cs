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
            await authentication.IdentifyAsync(context);
            await next(context);
        });
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// ASP.NET Core's rate limiting middleware with <see cref="ImageStoreRateLimits"/> as its global limiter and its
    /// answer to rejected requests (the Functions app enters the same limiter itself).
    /// </summary>
    private static IServiceCollection AddImageStoreRateLimits(this IServiceCollection services)
    {
        services.AddSingleton<ImageStoreRateLimits>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<ImageStoreRateLimits>((options, limits) =>
        {
            options.GlobalLimiter = limits.Limiter;
            options.OnRejected = (rejected, _) => new ValueTask(limits.RejectAsync(rejected.HttpContext));
        });
        return services;
    }
}
