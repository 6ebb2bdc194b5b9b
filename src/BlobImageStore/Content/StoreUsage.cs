using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Content;

/// <summary>Bytes and files of one category.</summary>
public readonly record struct Usage(long Bytes, long Files)
{
    public Usage Add(long bytes) => new(Bytes + bytes, Files + 1);
}

/// <summary>The answer of <c>GET /ImageStore/$/Info</c>, in Blob Storage terms (see <see cref="StoreUsage"/>).</summary>
public sealed record StoreInfo(long Capacity, long Available, Usage Metadata, Usage Staging, Usage Copy, Usage Register);

/// <summary>
/// Sizes from the store, computed by listing (Blob Storage keeps no folder totals): a folder size costs one List Blobs
/// call per 5,000 files under it, the store info one per 5,000 files in the store plus one read of the session
/// container's usage summary (<see cref="ISessionUsageSummary"/>), whatever the number of open sessions.
/// <para>What <c>GetImageStoreInfo</c>'s fields mean here:</para>
/// <list type="bullet">
/// <item><c>DiskInfo.Capacity</c>: Azure's limit for the storage account, <c>ImageStore:AccountCapacity</c> (default 5 PiB,
/// a standard account's limit); there is no disk. <c>AvailableSpace</c>: that limit minus what this store uses (all
/// categories below); other data in the same account is not seen.</item>
/// <item><c>UsedByMetadata</c>: the session container: upload-session records and path claims (count and bytes).</item>
/// <item><c>UsedByStaging</c>: open upload sessions: how many, and the bytes they had received as of their record's last
/// write (staged, uncommitted blocks).</item>
/// <item>Both are <b>as of the last measurement of the session container</b>, at most <see cref="SummaryMaxAge"/>
/// (2 × <c>ImageStore:CleanupInterval</c>, 10 minutes by default) old: each cleanup run measures it with its own walk and
/// writes the summary; Info reads it with one point read. When there is none (a fresh store) or it is older than that
/// (the cleanup is not running), Info lists the session container itself, as it did before the summary existed, and
/// writes what it measured (conditionally: if another writer got there first, that summary stays).</item>
/// <item><c>UsedByRegister</c>: files under the top-level folders <c>Store</c> and <c>WindowsFabricStore</c>, where
/// Service Fabric keeps provisioned (registered) application and cluster packages; unprovisioning frees them.</item>
/// <item><c>UsedByCopy</c>: every other file: the packages copied (uploaded) into the store; deleting them frees it.</item>
/// </list>
/// <c>UsedByRegister</c> and <c>UsedByCopy</c> are listed live on every call.
/// </summary>
public sealed class StoreUsage(
    IFileIndex index,
    ISessionStoreUsage sessionStore,
    ISessionUsageSummary summary,
    TimeProvider clock,
    IOptions<ImageStoreOptions> options)
{
    /// <summary>How old the session container's usage summary may be before Info measures instead: two cleanup intervals
    /// (one run missed, or a long one still walking).</summary>
    public TimeSpan SummaryMaxAge => 2 * options.Value.CleanupInterval;

    /// <summary>The top-level folders whose files count as registered (provisioned) content.</summary>
    public static readonly IReadOnlyList<string> RegisterFolders = ["Store", "WindowsFabricStore"];

    /// <summary>Total bytes of the files under the root (<paramref name="path"/> null) or a folder, or of the file there; null when nothing is there.</summary>
    public async Task<long?> FolderSizeAsync(StorePath? path, CancellationToken cancellationToken)
    {
        var usage = new Usage();
        await foreach (var file in index.ListAllAsync(path is null ? string.Empty : path.Value + "/", cancellationToken))
        {
            usage = usage.Add(file.Size);
        }

        if (path is null || usage.Files > 0)
        {
            return usage.Bytes;
        }

        return (await index.GetAsync(path, cancellationToken))?.Size;
    }

    public async Task<StoreInfo> InfoAsync(CancellationToken cancellationToken)
    {
        Usage copy = default, register = default;
        await foreach (var file in index.ListAllAsync(string.Empty, cancellationToken))
        {
            var top = file.Name.Split('/', 2)[0];
            if (RegisterFolders.Contains(top, StringComparer.OrdinalIgnoreCase))
            {
                register = register.Add(file.Size);
            }
            else
            {
                copy = copy.Add(file.Size);
            }
        }

        var sessions = await SessionUsageAsync(cancellationToken);
        var metadata = new Usage(sessions.Bytes, sessions.Files());
        var staging = new Usage(sessions.OpenSessionBytes, sessions.OpenSessions);

        var capacity = options.Value.AccountCapacity;
        var used = copy.Bytes + register.Bytes + metadata.Bytes + staging.Bytes;
        return new StoreInfo(capacity, Math.Max(0, capacity - used), metadata, staging, copy, register);
    }

    /// <summary>
    /// The session container's usage from its summary (one point read) when that is recent; else measured by listing the
    /// container (one call per 5,000 records and claims), and the measurement written as the summary.
    /// </summary>
    private async Task<SessionStoreUsage> SessionUsageAsync(CancellationToken cancellationToken)
    {
        var read = await summary.ReadAsync(cancellationToken);
        var now = clock.GetUtcNow();
        if (read is { Value: var recent } && now - recent.MeasuredAt <= SummaryMaxAge && recent.MeasuredAt - now <= SummaryMaxAge)
        {
            return recent.Usage; // (A time far ahead is another instance's clock gone wrong: measured again, not kept for good.)
        }

        var measured = await sessionStore.MeasureAsync(cancellationToken);
        await summary.TryWriteAsync(new SessionUsageSummary(measured, now), read?.Version, cancellationToken); // losing the race is fine
        return measured;
    }
}
