using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.Storage;

/// <summary>
/// Session records (<c>sessions/{id}.json</c>) and path claims (<c>paths/{sha256 of path}.json</c>) as small blobs in
/// the session container. Every write is conditional (If-None-Match: * to create, If-Match to change), so any
/// number of server instances can serve one session without a lock.
/// </summary>
public sealed class BlobSessionRecords(StoreContainers containers) : ISessionRecords, IPathClaims
{
    public const string SessionPrefix = "sessions/";
    public const string ClaimPrefix = "paths/";

    public async Task<Versioned<UploadSessionRecord>?> GetAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync(SessionBlob(sessionId), RecordJson.Default.UploadSessionRecord, cancellationToken);
        return stored is { } s ? new Versioned<UploadSessionRecord>(s.Value, s.Version) : null;
    }

    public Task<string?> TryCreateAsync(UploadSessionRecord record, string? replacing, CancellationToken cancellationToken) =>
        WriteAsync(SessionBlob(record.SessionId), record, RecordJson.Default.UploadSessionRecord, Condition(replacing), cancellationToken);

    public Task<string?> TryReplaceAsync(UploadSessionRecord record, string version, CancellationToken cancellationToken) =>
        WriteAsync(SessionBlob(record.SessionId), record, RecordJson.Default.UploadSessionRecord, Condition(version), cancellationToken);

    public Task<bool> TryDeleteAsync(Guid sessionId, string version, CancellationToken cancellationToken) =>
        DeleteAsync(SessionBlob(sessionId), version, cancellationToken);

    public async Task<Versioned<Guid>?> GetAsync(StorePath path, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync(ClaimBlob(path), RecordJson.Default.PathClaim, cancellationToken);
        return stored is { } s ? new Versioned<Guid>(s.Value.SessionId, s.Version) : null;
    }

    public async Task<bool> TryClaimAsync(StorePath path, Guid sessionId, string? replacing, CancellationToken cancellationToken) =>
        await WriteAsync(ClaimBlob(path), new PathClaim(sessionId, path.Value), RecordJson.Default.PathClaim, Condition(replacing), cancellationToken) is not null;

    public Task ReleaseAsync(StorePath path, string version, CancellationToken cancellationToken) =>
        DeleteAsync(ClaimBlob(path), version, cancellationToken);

    /// <summary>Blob name of a path's claim: a hash, since a store path may be as long as a blob name itself.</summary>
    public static string ClaimName(StorePath path) =>
        ClaimPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path.Value))) + ".json";

    private BlobClient SessionBlob(Guid id) => containers.Sessions.GetBlobClient($"{SessionPrefix}{id:D}.json");

    private BlobClient ClaimBlob(StorePath path) => containers.Sessions.GetBlobClient(ClaimName(path));

    private static BlobRequestConditions Condition(string? version) =>
        version is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = new ETag(version) };

    private async Task<(T Value, string Version)?> ReadAsync<T>(BlobClient blob, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            var result = await blob.DownloadContentAsync(cancellationToken);
            var value = result.Value.Content.ToObjectFromJson(type)
                ?? throw new InvalidDataException($"Blob {blob.Name} holds no record.");
            return (value, result.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    private async Task<string?> WriteAsync<T>(BlobClient blob, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, BlobRequestConditions conditions, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            var content = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(value, type));
            var result = await blob.UploadAsync(content, new BlobUploadOptions
            {
                Conditions = conditions,
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            }, cancellationToken);
            return result.Value.ETag.ToString();
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return null;
        }
    }

    private static async Task<bool> DeleteAsync(BlobClient blob, string version, CancellationToken cancellationToken)
    {
        try
        {
            await blob.DeleteAsync(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = new ETag(version) }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }
}

/// <summary>The content of a path claim: which session holds the path.</summary>
public sealed record PathClaim(Guid SessionId, string Path);

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(UploadSessionRecord))]
[JsonSerializable(typeof(PathClaim))]
internal sealed partial class RecordJson : JsonSerializerContext;
