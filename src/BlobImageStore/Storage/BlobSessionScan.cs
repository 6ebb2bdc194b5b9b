using Azure.Storage.Blobs.Models;
using BlobImageStore.Sessions;

namespace BlobImageStore.Storage;

/// <summary>
/// Measures the session container for <c>$/Info</c> in one listing with metadata, when there is no recent usage summary
/// (<see cref="BlobSessionUsageSummary"/>): every record and claim for <c>UsedByMetadata</c>, and the open sessions with
/// the bytes they had received at their record's last write (from each record's metadata) for <c>UsedByStaging</c>. No
/// record or block list is read, so the cost is one List Blobs call per 5,000 blobs: it grows with the store, which is
/// why Info reads the summary instead whenever it can. Blobs that are neither records nor claims (the summary itself)
/// are not counted.
/// </summary>
public sealed class BlobSessionScan(StoreContainers containers) : ISessionStoreUsage
{
    public async Task<SessionStoreUsage> MeasureAsync(CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        long records = 0, claims = 0, bytes = 0, open = 0, openBytes = 0;
        await foreach (var item in containers.Sessions.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix: null, cancellationToken))
        {
            if (BlobSessionRecords.Entry(item) is { } entry)
            {
                records++;
                if (entry is { State: { } state, ReceivedBytes: { } size } && SessionMachine.IsOpen(state))
                {
                    open++;
                    openBytes += size;
                }
            }
            else if (item.Name.StartsWith(ClaimNames.Prefix, StringComparison.Ordinal))
            {
                claims++;
            }
            else
            {
                continue;
            }

            bytes += item.Properties.ContentLength ?? 0;
        }

        return new SessionStoreUsage(records, claims, bytes, open, openBytes);
    }
}
