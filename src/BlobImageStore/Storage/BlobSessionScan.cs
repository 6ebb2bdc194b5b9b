using Azure.Storage.Blobs.Models;
using BlobImageStore.Sessions;

namespace BlobImageStore.Storage;

/// <summary>
/// Measures the session container for <c>$/Info</c> in one listing with metadata: every blob (records and claims) for
/// <c>UsedByMetadata</c>, and the open sessions with the bytes they had received at their last accepted chunk (from each record's metadata) for
/// <c>UsedByStaging</c>. No record or block list is read, so the cost is one List Blobs call per 5,000 blobs.
/// </summary>
public sealed class BlobSessionScan(StoreContainers containers) : ISessionStoreUsage
{
    public async Task<SessionStoreUsage> MeasureAsync(CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        long files = 0, bytes = 0, open = 0, openBytes = 0;
        await foreach (var item in containers.Sessions.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix: null, cancellationToken))
        {
            files++;
            bytes += item.Properties.ContentLength ?? 0;
            if (BlobSessionRecords.Entry(item) is { State: SessionState.Open or SessionState.Pending, ReceivedBytes: { } size })
            {
                open++;
                openBytes += size;
            }
        }

        return new SessionStoreUsage(files, bytes, open, openBytes);
    }
}
