using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Health;

/// <summary>
/// Readiness on Blob Storage: one Get Container Properties per container (file and session containers), nothing
/// written. Not ready when storage cannot be reached or refuses the identity, or when a container is missing (Bicep
/// creates both; the self-host creates them at start and on first use).
/// </summary>
public sealed class BlobStoreReadiness(BlobServiceClient service, IOptions<ImageStoreOptions> options) : IStoreReadiness
{
    public async Task<StoreReadiness> CheckAsync(CancellationToken cancellationToken)
    {
        var names = new[] { options.Value.Container, options.Value.SessionContainer };
        try
        {
            foreach (var name in names)
            {
                if (!await service.GetBlobContainerClient(name).ExistsAsync(cancellationToken))
                {
                    return new StoreReadiness(false,
                        $"Container '{name}' does not exist in {service.AccountName}: deploy infra/ (it creates both containers), or send one request to the self-host, which creates them.");
                }
            }

            return new StoreReadiness(true, $"Blob Storage reachable; containers {string.Join(" and ", names.Select(n => $"'{n}'"))} present.");
        }
        catch (RequestFailedException e)
        {
            return new StoreReadiness(false, e.Status switch
            {
                0 => $"Blob Storage at {service.Uri} cannot be reached ({e.Message.Split('\n')[0]}).",
                401 or 403 => $"Blob Storage refused this server's identity ({e.Status} {e.ErrorCode}): grant it Storage Blob Data Contributor on the containers.",
                _ => $"Blob Storage answered {e.Status} {e.ErrorCode}.",
            });
        }
        catch (Azure.Identity.AuthenticationFailedException e)
        {
            return new StoreReadiness(false, $"No token for Blob Storage: {e.Message.Split('\n')[0]}");
        }
    }
}
