using BlobImageStore.Content;
using BlobImageStore.Explorer;
using BlobImageStore.Health;
using BlobImageStore.Http;
using BlobImageStore.Http.Operations;
using BlobImageStore.Security;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BlobImageStore;

public static class ImageStoreServiceCollectionExtensions
{
    /// <summary>
    /// The image store: options from <c>ImageStore</c>, the Blob service client from <c>ImageStore:Storage</c>
    /// (a connection string, or <c>serviceUri</c> + <c>credential</c>/<c>clientId</c> for a managed identity, read by
    /// Microsoft.Extensions.Azure), the storage adapters, the session logic and its cleanup, and the operation table.
    /// </summary>
    public static IServiceCollection AddBlobImageStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ImageStoreOptions>()
            .Bind(configuration.GetSection(ImageStoreOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ImageStoreOptions>, ImageStoreOptionsValidator>();

        services.AddAzureClients(clients =>
        {
            clients.AddBlobServiceClient(configuration.GetSection(ImageStoreOptions.StorageSectionName))
                .ConfigureOptions(o =>
                {
                    // Fail over to a 503 in seconds, not minutes, when storage is down.
                    o.Retry.MaxRetries = 3;
                    o.Retry.Delay = TimeSpan.FromMilliseconds(200);
                    o.Retry.MaxDelay = TimeSpan.FromSeconds(2);
                    o.Retry.NetworkTimeout = TimeSpan.FromSeconds(100);
                });
        });

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<StoreContainers>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ImageStoreOptions>>().Value;
            return new SessionRules(o.BlockSize, o.MaxChunkSize, o.SessionExpiry, o.TombstoneRetention);
        });
        services.AddSingleton<SessionMachine>();
        services.AddSingleton(sp => new ConflictRetry(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<BlobSessionRecords>();
        services.AddSingleton<ISessionRecords>(sp => sp.GetRequiredService<BlobSessionRecords>());
        services.AddSingleton<IPathClaims>(sp => sp.GetRequiredService<BlobSessionRecords>());
        services.AddSingleton<IBlockStaging, BlobBlockStaging>();
        services.AddSingleton(sp => new BlockBufferPool(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ImageStoreOptions>>().Value.BufferBudget, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ChunkStreamer>();
        services.AddSingleton<UploadSessions>();
        services.AddSingleton<PathWrites>();
        services.AddSingleton<SessionCleanup>();

        services.AddSingleton<IImageStoreOperation, UploadChunk>();
        services.AddSingleton<IImageStoreOperation, GetUploadSessionById>();
        services.AddSingleton<IImageStoreOperation, GetUploadSessionByPath>();
        services.AddSingleton<IImageStoreOperation, ListUploadSessions>();
        services.AddSingleton<IImageStoreOperation, ListRootUploadSessions>();
        services.AddSingleton<IImageStoreOperation, CommitUploadSession>();
        services.AddSingleton<IImageStoreOperation, DeleteUploadSession>();
        services.AddSingleton<IImageStoreOperation, GetClusterManifest>();

        services.AddSingleton<BlobFileStore>();
        services.AddSingleton<IFileWriter>(sp => sp.GetRequiredService<BlobFileStore>());
        services.AddSingleton<IFileIndex>(sp => sp.GetRequiredService<BlobFileStore>());
        services.AddSingleton<IFileRemoval>(sp => sp.GetRequiredService<BlobFileStore>());
        services.AddSingleton<IFileCopy>(sp => sp.GetRequiredService<BlobFileStore>());
        services.AddSingleton<BlobSessionScan>();
        services.AddSingleton<ISessionStoreUsage>(sp => sp.GetRequiredService<BlobSessionScan>());
        services.AddSingleton<ISessionUsageSummary, BlobSessionUsageSummary>(); // Info's summary, written by the cleanup
        services.AddSingleton<FileUploads>();
        services.AddSingleton<ContentListings>();
        services.AddSingleton<ContentRemoval>();
        services.AddSingleton<ContentCopies>();
        services.AddSingleton<StoreUsage>();
        services.AddSingleton<IImageStoreOperation, UploadFile>();
        services.AddSingleton<IImageStoreOperation, GetImageStoreContent>();
        services.AddSingleton<IImageStoreOperation, GetImageStoreRootContent>();
        services.AddSingleton<IImageStoreOperation, DeleteImageStoreContent>();
        services.AddSingleton<IImageStoreOperation, CopyImageStoreContent>();
        services.AddSingleton<IImageStoreOperation, GetImageStoreFolderSize>();
        services.AddSingleton<IImageStoreOperation, GetImageStoreRootFolderSize>();
        services.AddSingleton<IImageStoreOperation, GetImageStoreInfo>();
        services.AddImageStoreSecurity(configuration); // ImageStore:Security and :Limits, checked in ImageStoreEndpoint
        services.AddSingleton<ImageStoreEndpoint>();
        services.AddSingleton<ExplorerAssets>(); // the Image Store Explorer page at /Explorer
        services.AddImageStoreHealth(); // /healthz and /readyz (Health/ImageStoreHealth.cs)
        return services;
    }

    /// <summary>
    /// Routes the image store's URLs to <see cref="ImageStoreEndpoint"/> (the self-host's routing): everything under
    /// <c>/ImageStore</c>, and each cluster-level operation's <c>/$/{Name}</c> (e.g. <c>/$/GetClusterManifest</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapImageStore(this IEndpointRouteBuilder endpoints)
    {
        var endpoint = endpoints.ServiceProvider.GetRequiredService<ImageStoreEndpoint>();
        RequestDelegate handle = endpoint.HandleAsync;
        endpoints.Map(ImageStoreRequest.Prefix, handle);
        endpoints.Map(ImageStoreRequest.Prefix + "/{**rest}", handle);
        foreach (var route in endpoint.ClusterLevelRoutes)
        {
            endpoints.Map(route, handle);
        }

        endpoints.MapImageStoreExplorer(); // GET / redirects to the explorer page at /Explorer/index.html
        return endpoints;
    }
}
