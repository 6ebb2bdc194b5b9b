using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;

namespace BlobImageStore.Storage;

/// <summary>
/// Reads over the session container: lists the path claims (<c>paths/…</c>) and reads each one, since claims are named
/// by a hash of their path and cannot be found by path prefix. There is about one claim per open upload session, so a
/// scan costs one List Blobs call plus one small read per open session in the whole store.
/// </summary>
public sealed class BlobSessionScan(StoreContainers containers) : IPathClaimScan, ISessionStoreUsage
{
    public async IAsyncEnumerable<PathClaim> ListClaimsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        var names = new List<string>();
        await foreach (var item in containers.Sessions.GetBlobsAsync(BlobTraits.None, BlobStates.None, BlobSessionRecords.ClaimPrefix, cancellationToken))
        {
            names.Add(item.Name);
        }

        foreach (var name in names)
        {
            PathClaim? claim;
            try
            {
                var content = await containers.Sessions.GetBlobClient(name).DownloadContentAsync(cancellationToken);
                claim = content.Value.Content.ToObjectFromJson(RecordJson.Default.PathClaim);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                continue; // Released since it was listed.
            }
            catch (JsonException)
            {
                continue; // Not a claim this store wrote.
            }

            if (claim is not null)
            {
                yield return claim;
            }
        }
    }

    public async Task<(long Files, long Bytes)> MeasureAsync(CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        long files = 0, bytes = 0;
        await foreach (var item in containers.Sessions.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken))
        {
            files++;
            bytes += item.Properties.ContentLength ?? 0;
        }

        return (files, bytes);
    }
}
