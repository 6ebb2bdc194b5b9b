using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.Storage;

/// <summary>
/// Session records (<c>sessions/{id}.json</c>) and path claims (<c>claims/{path}</c>, <see cref="ClaimNames"/>) as small
/// blobs in the session container. Every write is conditional (If-None-Match: * to create, If-Match to change or delete),
/// so any number of instances serve one session without a lock. Each record also carries, as blob metadata, its state,
/// the file size and when the cleanup is next due for it, so the cleanup and Info list what they need without reading
/// every record. The only code that sees <see cref="RequestFailedException"/> for these blobs: a failed condition is
/// null/false, a missing blob null.
/// </summary>
public sealed class BlobSessionRecords(StoreContainers containers, SessionMachine machine) : ISessionRecords, IPathClaims
{
    public const string SessionPrefix = "sessions/";

    private const string StateMetadata = "state";
    private const string DueMetadata = "due";
    private const string SizeMetadata = "received";

    public async Task<Versioned<UploadSessionRecord>?> GetAsync(Guid sessionId, CancellationToken cancellationToken) =>
        await ReadAsync(SessionBlob(sessionId), RecordJson.Default.UploadSessionRecord, cancellationToken);

    public Task<string?> TryCreateAsync(UploadSessionRecord record, CancellationToken cancellationToken) =>
        WriteAsync(SessionBlob(record.SessionId), record, RecordJson.Default.UploadSessionRecord, null, cancellationToken, Metadata(record));

    public Task<string?> TryReplaceAsync(UploadSessionRecord record, string version, CancellationToken cancellationToken) =>
        WriteAsync(SessionBlob(record.SessionId), record, RecordJson.Default.UploadSessionRecord, version, cancellationToken, Metadata(record));

    public Task<bool> TryDeleteAsync(Guid sessionId, string version, CancellationToken cancellationToken) =>
        DeleteAsync(SessionBlob(sessionId), version, cancellationToken);

    public async IAsyncEnumerable<SessionRecordEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        await foreach (var item in containers.Sessions.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, SessionPrefix, cancellationToken))
        {
            if (Entry(item) is { } entry)
            {
                yield return entry;
            }
        }
    }

    /// <summary>A listed record's id and metadata; null for a blob that is not a session record.</summary>
    public static SessionRecordEntry? Entry(BlobItem item)
    {
        if (!item.Name.StartsWith(SessionPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var name = item.Name[SessionPrefix.Length..];
        if (!name.EndsWith(".json", StringComparison.Ordinal) || !Guid.TryParseExact(name[..^".json".Length], "D", out var id))
        {
            return null;
        }

        var metadata = item.Metadata ?? new Dictionary<string, string>();
        SessionState? state = metadata.TryGetValue(StateMetadata, out var s) && Enum.TryParse<SessionState>(s, out var parsed) ? parsed : null;
        DateTimeOffset? due = metadata.TryGetValue(DueMetadata, out var d)
            && DateTimeOffset.TryParseExact(d, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;
        long? size = metadata.TryGetValue(SizeMetadata, out var z) && long.TryParse(z, CultureInfo.InvariantCulture, out var bytes) ? bytes : null;
        return new SessionRecordEntry(id, state, due, size, item.Properties.ContentLength ?? 0);
    }

    public async Task<Versioned<PathClaim>?> GetAsync(StorePath path, CancellationToken cancellationToken) =>
        await ReadAsync(ClaimBlob(path), RecordJson.Default.PathClaim, cancellationToken);

    public Task<string?> TryCreateAsync(PathClaim claim, CancellationToken cancellationToken) =>
        WriteAsync(ClaimBlob(StorePath.Parse(claim.Path)), claim, RecordJson.Default.PathClaim, null, cancellationToken);

    public Task<string?> TryReplaceAsync(PathClaim claim, string version, CancellationToken cancellationToken) =>
        WriteAsync(ClaimBlob(StorePath.Parse(claim.Path)), claim, RecordJson.Default.PathClaim, version, cancellationToken);

    public Task<bool> TryDeleteAsync(StorePath path, string version, CancellationToken cancellationToken) =>
        DeleteAsync(ClaimBlob(path), version, cancellationToken);

    public async IAsyncEnumerable<Versioned<PathClaim>> ListAsync(StorePath? path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        if (path is not null && await GetAsync(path, cancellationToken) is { } own)
        {
            yield return own;
        }

        await foreach (var (claim, _) in ReadClaimsAsync(path, cancellationToken))
        {
            yield return claim;
        }
    }

    public IAsyncEnumerable<ListedClaim> ListEveryAsync(CancellationToken cancellationToken) => ReadClaimsAsync(null, cancellationToken);

    /// <summary>The claims strictly below <paramref name="path"/> (every claim when null), each with its blob's size.</summary>
    private async IAsyncEnumerable<ListedClaim> ReadClaimsAsync(StorePath? path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        await foreach (var item in containers.Sessions.GetBlobsAsync(BlobTraits.None, BlobStates.None, ClaimNames.Below(path), cancellationToken))
        {
            // One small read per claim found: about one per open session under the path.
            if (await ReadAsync(containers.Sessions.GetBlobClient(item.Name), RecordJson.Default.PathClaim, cancellationToken) is { } claim
                && (path is null || (claim.Value.Path != path.Value && ClaimNames.IsAtOrBelow(claim.Value.Path, path))))
            {
                yield return new ListedClaim(claim, item.Properties.ContentLength ?? 0);
            }
        }
    }

    private BlobClient SessionBlob(Guid id) => containers.Sessions.GetBlobClient($"{SessionPrefix}{id:D}.json");

    private BlobClient ClaimBlob(StorePath path) => containers.Sessions.GetBlobClient(ClaimNames.For(path));

    private Dictionary<string, string> Metadata(UploadSessionRecord record)
    {
        var metadata = new Dictionary<string, string>
        {
            [StateMetadata] = record.State.ToString(),
            [SizeMetadata] = record.ReceivedBytes.ToString(CultureInfo.InvariantCulture),
        };
        if (machine.DueAt(record.State, record.Modified, record.ReceivingUntil, record.Ended) is { } due)
        {
            metadata[DueMetadata] = due.ToString("O", CultureInfo.InvariantCulture);
        }

        return metadata;
    }

    private async Task<Versioned<T>?> ReadAsync<T>(BlobClient blob, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            var result = await blob.DownloadContentAsync(cancellationToken);
            T? value;
            try
            {
                value = result.Value.Content.ToObjectFromJson(type);
            }
            catch (JsonException)
            {
                return null; // Not written by this protocol version (e.g. a version-1 claim): nothing of ours.
            }

            return value is null ? null : new Versioned<T>(value, result.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    private async Task<string?> WriteAsync<T>(BlobClient blob, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string? version, CancellationToken cancellationToken, IDictionary<string, string>? metadata = null)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            var content = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(value, type));
            var result = await blob.UploadAsync(content, new BlobUploadOptions
            {
                Conditions = version is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = new ETag(version) },
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

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(UploadSessionRecord))]
[JsonSerializable(typeof(PathClaim))]
internal sealed partial class RecordJson : JsonSerializerContext;
