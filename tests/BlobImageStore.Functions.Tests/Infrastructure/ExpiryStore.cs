using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;

namespace BlobImageStore.Functions.Tests.Infrastructure;

/// <summary>
/// A Functions app of its own (fresh containers, a 2-second expiry, a test clock) on the fixture's Azurite, and direct
/// looks at what it keeps in storage: session records, path claims, blocks.
/// </summary>
public sealed class ExpiryStore : IAsyncDisposable
{
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private readonly List<InProcessFunctions> _apps = [];

    public ExpiryStore(HostsFixture hosts, string prefix)
    {
        (FilesName, SessionsName) = hosts.NewContainers(prefix);
        Files = hosts.Blobs.GetBlobContainerClient(FilesName);
        Sessions = hosts.Blobs.GetBlobContainerClient(SessionsName);
        Storage = hosts.Azurite.ConnectionString;
        Files.CreateIfNotExists();
        Sessions.CreateIfNotExists();
        App = NewInstance();
    }

    public string FilesName { get; }

    public string SessionsName { get; }

    public string Storage { get; }

    public ShiftableClock Clock { get; } = new();

    /// <summary>The app; <see cref="NewInstance"/> gives another instance on the same store (as a second server would be).</summary>
    public InProcessFunctions App { get; }

    public BlobContainerClient Files { get; }

    public BlobContainerClient Sessions { get; }

    public InProcessFunctions NewInstance()
    {
        var app = InProcessFunctions.Create(Storage, new Dictionary<string, string>
        {
            ["BlockSize"] = HostsFixture.BlockSize.ToString(CultureInfo.InvariantCulture),
            ["Container"] = FilesName,
            ["SessionContainer"] = SessionsName,
            ["SessionExpiry"] = Expiry.ToString("c", CultureInfo.InvariantCulture),
            ["TombstoneRetention"] = Retention.ToString("c", CultureInfo.InvariantCulture),
        }, Clock);
        _apps.Add(app);
        return app;
    }

    public Task<Answer> PutChunkAsync(string path, Guid session, byte[] file, long first, long last) =>
        App.SendAsync(HttpMethod.Put, $"/ImageStore/{path}/$/UploadChunk?api-version=6.0&session-id={session}",
            file[(int)first..(int)(last + 1)], $"bytes {first}-{last}/{file.Length}");

    public Task<Answer> GetByIdAsync(Guid session) =>
        App.SendAsync(HttpMethod.Get, $"/ImageStore/$/GetUploadSession?api-version=6.0&session-id={session}");

    public Task<Answer> GetByPathAsync(string path) =>
        App.SendAsync(HttpMethod.Get, $"/ImageStore/{path}/$/GetUploadSession?api-version=6.0");

    public Task<Answer> CommitAsync(Guid session) =>
        App.SendAsync(HttpMethod.Post, $"/ImageStore/$/CommitUploadSession?api-version=6.0&session-id={session}");

    public Task<Answer> DeleteAsync(Guid session) =>
        App.SendAsync(HttpMethod.Delete, $"/ImageStore/$/DeleteUploadSession?api-version=6.0&session-id={session}");

    /// <summary>The stored record's JSON (null when there is none).</summary>
    public async Task<JsonElement?> RecordAsync(Guid session)
    {
        try
        {
            var content = (await Sessions.GetBlobClient($"sessions/{session:D}.json").DownloadContentAsync()).Value.Content;
            return JsonDocument.Parse(content.ToString()).RootElement.Clone();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<string?> StateAsync(Guid session) => (await RecordAsync(session))?.GetProperty("State").GetString();

    public async Task<List<string>> NamesAsync(string prefix)
    {
        var names = new List<string>();
        await foreach (var item in Sessions.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None))
        {
            names.Add(item.Name);
        }

        return names;
    }

    public async Task<bool> ClaimExistsAsync(string path) =>
        (await Sessions.GetBlobClient(ClaimNames.For(StorePath.Parse(path))).ExistsAsync()).Value;

    /// <summary>Uncommitted blocks on the file's blob (none when the blob has none or does not exist).</summary>
    public async Task<int> UncommittedBlocksAsync(string path)
    {
        try
        {
            return (await Files.GetBlockBlobClient(path).GetBlockListAsync(BlockListTypes.Uncommitted)).Value.UncommittedBlocks.Count();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        await Files.DeleteIfExistsAsync();
        await Sessions.DeleteIfExistsAsync();
    }
}
