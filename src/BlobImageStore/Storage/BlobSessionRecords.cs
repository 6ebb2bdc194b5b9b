using System.Globalization;
using System.Runtime.CompilerServices;
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
/// number of server instances can serve one session without a lock. Each record also carries its state and modified
/// time as blob metadata, so the cleanup can list what is due without downloading every record.
/// </summary>
public sealed class BlobSessionRecords(StoreContainers containers, TimeProvider clock) : ISessionRecords, IPathClaims, ISessionRecordScan
{
    public const string SessionPrefix = "sessions/";
    public const string ClaimPrefix = "paths/";

    private const string StateMetadata = "state";
    private const string ModifiedMetadata = "modified";

    public async Task<Versioned<UploadSessionRecord>?> GetAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync(SessionBlob(sessionId), RecordJson.Default.UploadSessionRecord, cancellationToken);
        return stored is { } s ? new Versioned<UploadSessionRecord>(s.Value, s.Version) : null;
    }

    public Task<string?> TryCreateAsync(UploadSessionRecord record, string? replacing, CancellationToken cancellationToken) =>
        WriteAsync(SessionBlob(record.SessionId), record, RecordJson.Default.UploadSessionRecord, Condition(replacing), cancellationToken, Metadata(record));

    public Task<string?> TryReplaceAsync(UploadSessionRecord record, string version, CancellationToken cancellationToken) =>
        WriteAsync(SessionBlob(record.SessionId), record, RecordJson.Default.UploadSessionRecord, Condition(version), cancellationToken, Metadata(record));

    public Task<bool> TryDeleteAsync(Guid sessionId, string version, CancellationToken cancellationToken) =>
        DeleteAsync(SessionBlob(sessionId), version, cancellationToken);

    public async Task<Versioned<Guid>?> GetAsync(StorePath path, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync(ClaimBlob(path), RecordJson.Default.PathClaim, cancellationToken);
        return stored is { } s ? new Versioned<Guid>(s.Value.SessionId, s.Version) : null;
    }

    public async Task<Versioned<PathClaim>?> GetClaimAsync(StorePath path, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync(ClaimBlob(path), RecordJson.Default.PathClaim, cancellationToken);
        return stored is { } s ? new Versioned<PathClaim>(s.Value, s.Version) : null;
    }

    public async Task<bool> TryClaimAsync(StorePath path, Guid sessionId, string? replacing, CancellationToken cancellationToken) =>
        await WriteAsync(ClaimBlob(path), new PathClaim(sessionId, path.Value, clock.GetUtcNow()), RecordJson.Default.PathClaim, Condition(replacing), cancellationToken) is not null;

    public Task<string?> TryMarkReleasingAsync(StorePath path, Versioned<PathClaim> claim, CancellationToken cancellationToken) =>
        WriteAsync(ClaimBlob(path), claim.Value with { Releasing = clock.GetUtcNow() }, RecordJson.Default.PathClaim, Condition(claim.Version), cancellationToken);

    public Task ReleaseAsync(StorePath path, string version, CancellationToken cancellationToken) =>
        DeleteAsync(ClaimBlob(path), version, cancellationToken);

    public async IAsyncEnumerable<SessionRecordEntry> ListSessionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        await foreach (var item in containers.Sessions.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, SessionPrefix, cancellationToken))
        {
            var name = item.Name[SessionPrefix.Length..];
            if (!name.EndsWith(".json", StringComparison.Ordinal) || !Guid.TryParseExact(name[..^".json".Length], "D", out var id))
            {
                continue;
            }

            SessionState? state = item.Metadata.TryGetValue(StateMetadata, out var s) && Enum.TryParse<SessionState>(s, out var parsed) ? parsed : null;
            DateTimeOffset? modified = item.Metadata.TryGetValue(ModifiedMetadata, out var m)
                && DateTimeOffset.TryParseExact(m, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;
            yield return new SessionRecordEntry(id, state, modified);
        }
    }

    public async IAsyncEnumerable<Versioned<PathClaim>> ListClaimsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        await foreach (var item in containers.Sessions.GetBlobsAsync(BlobTraits.None, BlobStates.None, ClaimPrefix, cancellationToken))
        {
            // Read each claim: a claim is small, and there is about one per open session.
            if (await ReadAsync(containers.Sessions.GetBlobClient(item.Name), RecordJson.Default.PathClaim, cancellationToken) is { } claim)
            {
                yield return new Versioned<PathClaim>(claim.Value, claim.Version);
            }
        }
    }

    /// <summary>Blob name of a path's claim: a hash, since a store path may be as long as a blob name itself.</summary>
    public static string ClaimName(StorePath path) =>
        ClaimPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path.Value))) + ".json";

    private BlobClient SessionBlob(Guid id) => containers.Sessions.GetBlobClient($"{SessionPrefix}{id:D}.json");

    private BlobClient ClaimBlob(StorePath path) => containers.Sessions.GetBlobClient(ClaimName(path));

    private static Dictionary<string, string> Metadata(UploadSessionRecord record) => new()
    {
        [StateMetadata] = record.State.ToString(),
        [ModifiedMetadata] = record.Modified.ToString("O", CultureInfo.InvariantCulture),
    };

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

    private async Task<string?> WriteAsync<T>(BlobClient blob, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, BlobRequestConditions conditions, CancellationToken cancellationToken, IDictionary<string, string>? metadata = null)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            var content = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(value, type));
            var result = await blob.UploadAsync(content, new BlobUploadOptions
            {
                Conditions = conditions,
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                Metadata = metadata,
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

/// <summary>
/// The content of a path claim: which session holds the path, since when (null in claims written before this was
/// kept), and, while its staged blocks are being discarded, since when that is going on.
/// </summary>
public sealed record PathClaim(Guid SessionId, string Path, DateTimeOffset? Claimed = null, DateTimeOffset? Releasing = null);

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(UploadSessionRecord))]
[JsonSerializable(typeof(PathClaim))]
internal sealed partial class RecordJson : JsonSerializerContext;
