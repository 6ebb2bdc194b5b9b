using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs.Models;
using BlobImageStore.Sessions;

namespace BlobImageStore.Storage;

/// <summary>
/// Info's usage summary of the session container as one small blob, <c>usage.json</c> at the container's root: outside
/// <c>sessions/</c> and <c>claims/</c>, so no listing of records or claims (the cleanup, ListUploadSessions,
/// GetUploadSession by path, Delete and Copy's claim lookups) ever sees it, and not counted by <see cref="BlobSessionScan"/>.
/// Read with one Get Blob; written with If-None-Match: * or If-Match. The only code that sees
/// <see cref="RequestFailedException"/> for this blob.
/// </summary>
public sealed class BlobSessionUsageSummary(StoreContainers containers) : ISessionUsageSummary
{
    /// <summary>The summary's blob name in the session container.</summary>
    public const string BlobName = "usage.json";

    public async Task<Versioned<SessionUsageSummary>?> ReadAsync(CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            var result = await containers.Sessions.GetBlobClient(BlobName).DownloadContentAsync(cancellationToken);
            var version = result.Value.Details.ETag.ToString();
            try
            {
                if (result.Value.Content.ToObjectFromJson(UsageJson.Default.SessionUsageSummary) is { } summary)
                {
                    return new Versioned<SessionUsageSummary>(summary, version);
                }
            }
            catch (JsonException)
            {
            }

            // Not a summary this version can read: stale, so the next measurement replaces it (If-Match this version).
            return new Versioned<SessionUsageSummary>(new SessionUsageSummary(default, DateTimeOffset.MinValue), version);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> TryWriteAsync(SessionUsageSummary summary, string? version, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            await containers.Sessions.GetBlobClient(BlobName).UploadAsync(
                BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(summary, UsageJson.Default.SessionUsageSummary)),
                new BlobUploadOptions
                {
                    Conditions = version is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = new ETag(version) },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false;
        }
    }
}

[JsonSerializable(typeof(SessionUsageSummary))]
internal sealed partial class UsageJson : JsonSerializerContext;
