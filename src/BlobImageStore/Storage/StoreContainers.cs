using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Storage;

/// <summary>The two containers of the store, created on first use (a storage outage at start-up must not stop the host).</summary>
public sealed class StoreContainers(BlobServiceClient service, IOptions<ImageStoreOptions> options)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _ready;

    public BlobContainerClient Files { get; } = service.GetBlobContainerClient(options.Value.Container);

    public BlobContainerClient Sessions { get; } = service.GetBlobContainerClient(options.Value.SessionContainer);

    public async ValueTask EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_ready)
            {
                await Files.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                await Sessions.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                _ready = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
