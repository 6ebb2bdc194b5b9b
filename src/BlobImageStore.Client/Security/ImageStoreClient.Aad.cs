using System.Text.Json;

namespace BlobImageStore.Client;

public sealed partial class ImageStoreClient
{
    /// <summary>
    /// <c>GET /$/GetAadMetadata</c>: whether the server takes Entra ID tokens, and for which cluster and client
    /// applications. Served without authentication (no token is sent), so it also checks the TLS settings.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<ClusterAadMetadata> GetAadMetadataAsync(CancellationToken cancellationToken = default)
    {
        var baseUri = Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var uri = new Uri($"{baseUri}/$/GetAadMetadata?api-version=1.0");
        using var response = await SendCoreAsync("GetAadMetadata", () => new HttpRequestMessage(HttpMethod.Get, uri), null, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            return ClusterAadMetadata.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ImageStoreException(response.StatusCode, "SerializationError", $"GetAadMetadata: the answer is not an AadMetadataObject ({e.Message}).", e);
        }
    }
}
