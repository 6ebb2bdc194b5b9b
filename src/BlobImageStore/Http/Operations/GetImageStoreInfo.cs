using BlobImageStore.Content;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.Http.Operations;

/// <summary>
/// <b>GetImageStoreInfo</b> — <c>GET /ImageStore/$/Info?api-version=6.5</c>; 200 <c>ImageStoreInfo</c>. Service Fabric
/// reports the primary replica's disk and its file-system usage by category; here each field is measured on Blob
/// Storage as <see cref="StoreUsage"/> describes: <c>DiskInfo</c> from Azure's account limit (ImageStore:AccountCapacity)
/// minus what the store uses, <c>UsedByMetadata</c> = session records and claims, <c>UsedByStaging</c> = bytes received
/// by open upload sessions, <c>UsedByRegister</c> = files under <c>Store</c> and <c>WindowsFabricStore</c>,
/// <c>UsedByCopy</c> = all other files. It lists the files live, so it costs one List Blobs call per 5,000 files;
/// <c>UsedByMetadata</c> and <c>UsedByStaging</c> come from the session container's usage summary (one point read), so they
/// are as of its last measurement, at most 2 × <c>ImageStore:CleanupInterval</c> old (see <see cref="StoreUsage"/>).
/// </summary>
public sealed class GetImageStoreInfo(StoreUsage usage) : IImageStoreOperation
{
    public string OperationId => "GetImageStoreInfo";

    public OperationRoute Route => new("GET", "Info", HasContentPath: false);

    public async Task<IResult> ExecuteAsync(ImageStoreRequest request, CancellationToken cancellationToken)
    {
        var info = await usage.InfoAsync(cancellationToken);
        return Results.Json(
            new ImageStoreInfoBody(
                new DiskInfoBody(info.Capacity, info.Available),
                Body(info.Metadata),
                Body(info.Staging),
                Body(info.Copy),
                Body(info.Register)),
            ImageStoreJson.Wire.ImageStoreInfoBody);
    }

    private static UsageInfoBody Body(Usage usage) => new(usage.Bytes, usage.Files);
}
