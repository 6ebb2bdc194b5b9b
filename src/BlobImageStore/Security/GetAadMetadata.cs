using System.Text.Json;
using BlobImageStore.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Security;

/// <summary>
/// <b>GetAadMetadata</b> — <c>GET /$/GetAadMetadata?api-version=1.0</c>, served without authentication (it is in
/// <see cref="SecurityExemptions"/>), as the gateway serves it: 200 <c>AadMetadataObject</c>,
/// <c>{"type":"aad","metadata":{"authority","client","cluster","login","redirect","tenant"}}</c>. sfctl
/// (<c>cluster select --aad</c>) and the .NET client's claims credentials read it to sign in to the tenant for the
/// cluster application before they call anything else. The values are those Service Fabric derives from its settings:
/// login = the sign-in endpoint, authority = login + "/" + tenant, redirect = the native client's redirect URI.
/// Without Entra ID configured the answer is <c>{"type":"","metadata":{}}</c> (an empty claims-retrieval metadata).
/// </summary>
public sealed class GetAadMetadata(IOptions<ImageStoreSecurityOptions> security) : IImageStoreOperation
{
    public string OperationId => "GetAadMetadata";

    public OperationRoute Route => new("GET", "GetAadMetadata", HasContentPath: false, ClusterLevel: true);

    public Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            var aad = security.Value.AzureActiveDirectory;
            json.WriteString("type", aad is null ? "" : "aad");
            json.WriteStartObject("metadata");
            if (aad is not null)
            {
                json.WriteString("authority", aad.Authority);
                json.WriteString("client", aad.ClientApplication);
                json.WriteString("cluster", aad.ClusterApplication);
                json.WriteString("login", aad.Instance.TrimEnd('/'));
                json.WriteString("redirect", aad.ClientRedirectUri);
                json.WriteString("tenant", aad.TenantId);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Task.FromResult(Results.Bytes(buffer.WrittenMemory.ToArray(), "application/json; charset=utf-8"));
    }
}
