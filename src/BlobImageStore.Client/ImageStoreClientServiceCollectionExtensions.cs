using BlobImageStore.Client.Uploads;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Client;

/// <summary>Registration of the client with IHttpClientFactory.</summary>
public static class ImageStoreClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ImageStoreClient"/> as a typed client of IHttpClientFactory (its capability interfaces
    /// resolve to it), the <see cref="ResumableUploader"/>, the <see cref="PackageUploader"/> and the file-based
    /// <see cref="IResumeJournal"/>. The HttpClient's own timeout is off: each attempt has
    /// <see cref="ImageStoreClientOptions.Timeout"/>. The primary handler carries the TLS settings (client certificate,
    /// trusted certificates; <see cref="ImageStoreHttpHandlers.CreatePrimaryHandler"/>), and with a
    /// <see cref="ImageStoreClientOptions.Credential"/> an outer handler adds the Entra ID bearer token, whose metadata and
    /// cache live as long as the service provider. Returns the builder, to add handlers.
    /// </summary>
    public static IHttpClientBuilder AddImageStoreClient(this IServiceCollection services, Action<ImageStoreClientOptions> configure)
    {
        services.Configure(configure);
        services.TryAddSingleton<IResumeJournal>(sp => new FileResumeJournal(sp.GetRequiredService<IOptions<UploadJournalOptions>>().Value.Directory));
        services.AddOptions<UploadJournalOptions>();
        services.TryAddTransient<IUploadSessionClient>(sp => sp.GetRequiredService<ImageStoreClient>());
        services.TryAddTransient<IImageStoreWriter>(sp => sp.GetRequiredService<ImageStoreClient>());
        services.TryAddTransient<IImageStoreReader>(sp => sp.GetRequiredService<ImageStoreClient>());
        services.TryAddTransient(sp => new ResumableUploader(
            sp.GetRequiredService<ImageStoreClient>(), sp.GetRequiredService<IResumeJournal>(),
            sp.GetRequiredService<ILogger<ResumableUploader>>()));
        services.TryAddTransient(sp => new PackageUploader(
            sp.GetRequiredService<ImageStoreClient>(), sp.GetRequiredService<ImageStoreClient>(), sp.GetRequiredService<ResumableUploader>(),
            sp.GetRequiredService<ILogger<PackageUploader>>()));
        services.TryAddSingleton(sp => new BearerTokenSource(
            sp.GetRequiredService<IOptions<ImageStoreClientOptions>>().Value, TimeProvider.System, sp.GetRequiredService<ILogger<BearerTokenSource>>()));
        return services.AddHttpClient<ImageStoreClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => ImageStoreHttpHandlers.CreatePrimaryHandler(
                sp.GetRequiredService<IOptions<ImageStoreClientOptions>>().Value, sp.GetRequiredService<ILogger<ImageStoreClient>>()))
            .AddHttpMessageHandler(sp => sp.GetRequiredService<IOptions<ImageStoreClientOptions>>().Value is { Credential: null, CredentialFactory: null }
                ? new PassThroughHandler()
                : new BearerTokenHandler(sp.GetRequiredService<BearerTokenSource>()));
    }
}
