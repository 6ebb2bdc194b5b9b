using System.Security.Cryptography;
using System.Text.Json;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;

namespace BlobImageStore.ModelTests;

/// <summary>
/// The storage ports in memory with Azure Blob Storage's documented semantics (not Azurite's):
/// <list type="bullet">
/// <item>Put Block List and Put Blob make the blob exactly the listed blocks / the body and discard every other
/// uncommitted block of it; Delete Blob and Copy Blob (onto it) discard them too;</item>
/// <item>re-staging a block ID replaces the block; a listed ID resolves to its uncommitted block first ("Latest");</item>
/// <item>all block IDs of a blob have one length; at most 100,000 uncommitted and 50,000 committed blocks;</item>
/// <item>a blob with only uncommitted blocks does not exist for readers (Get Properties 404, not listed);</item>
/// <item>conditional writes with ETags: If-None-Match: * creates, If-Match changes or deletes.</item>
/// </list>
/// Every call first waits for its turn at the <see cref="Scheduler"/>, so a test decides the order of the storage calls
/// of concurrent requests, and can stop a request between any two of them (a crash). <see cref="Calls"/> counts calls,
/// <see cref="Listed"/> the entries listings returned (a listing's cost grows with them: one call per 5,000 on Azure).
/// The session container's usage summary is <c>usage.json</c> beside the records and claims, as in the Blob adapter,
/// so prefix listings of <c>sessions/</c> and <c>claims/</c> do not see it.
/// </summary>
public sealed class InMemoryStore(Scheduler? scheduler = null) :
    IBlockStaging, ISessionRecords, IPathClaims, IFileWriter, IFileIndex, IFileRemoval, IFileCopy, ISessionStoreUsage, ISessionUsageSummary
{
    public const string SummaryName = "usage.json";

    public const int MaxUncommitted = 100_000;
    public const int MaxCommitted = 50_000;

    private static readonly JsonSerializerOptions Json = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
    private readonly Dictionary<string, Blob> _blobs = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, (string Json, string ETag)> _meta = new(StringComparer.Ordinal);
    private int _etag;

    public int Calls { get; private set; }

    /// <summary>Entries returned by listings (files, records, claims, the session container's blobs).</summary>
    public int Listed { get; private set; }

    /// <summary>Every name in the session container (records, claims, the summary), as a listing with no prefix sees them.</summary>
    public IEnumerable<string> MetadataNames => _meta.Keys;

    /// <summary>
    /// False for files larger than memory: a staged block keeps only its size and a 64-bit XxHash3 of its bytes
    /// (<see cref="CommittedFingerprints"/>), and Azure's transactional MD5 check is skipped (the bytes are hashed once, here).
    /// </summary>
    public bool KeepBytes { get; init; } = true;

    /// <summary>The committed blocks of a file in order, as (size, XxHash3 of the bytes); with <see cref="KeepBytes"/> false.</summary>
    public IReadOnlyList<(long Size, ulong Hash)> CommittedFingerprints(string path) => _blobs[path].Fingerprints();

    /// <summary>Called after every change of a blob's committed content: (path, kind of write).</summary>
    public Action<string, string>? OnFileWrite { get; set; }

    /// <summary>Called when a request (<see cref="Scheduler.Current"/>) asks for a storage call, before it waits for its turn:
    /// (request, kind of call: "blocks-read", "stage", "record-read", "record-write", "claim", "file").</summary>
    public Action<int, string>? OnCall { get; set; }

    /// <summary>Counts of calls on session records (reads, writes, deletes), for the cost tests.</summary>
    public int RecordCalls { get; private set; }

    /// <summary>Called when a session record changes: (before, after).</summary>
    public Action<UploadSessionRecord?, UploadSessionRecord?>? OnRecordChange { get; set; }

    public byte[]? Content(string path) => _blobs.TryGetValue(path, out var b) && b.Exists ? b.Content() : null;

    public IEnumerable<string> Files => _blobs.Where(b => b.Value.Exists).Select(b => b.Key);

    public IEnumerable<UploadSessionRecord> Records => _meta.Where(m => m.Key.StartsWith("sessions/", StringComparison.Ordinal))
        .Select(m => JsonSerializer.Deserialize<UploadSessionRecord>(m.Value.Json, Json)!);

    public PathClaim? ClaimOf(string path) => _meta.TryGetValue(ClaimNames.For(StorePath.Parse(path)), out var c) ? JsonSerializer.Deserialize<PathClaim>(c.Json, Json) : null;

    /// <summary>Without the scheduler: for set-up and checks.</summary>
    public void PutDirect(string path, byte[] content) => BlobAt(path).Put(content);

    public byte[]? BlockBytes(string path, string id) => _blobs.TryGetValue(path, out var b) ? b.Data(id) : null;

    public IReadOnlyList<StagedBlock> BlocksDirect(string path) => _blobs.TryGetValue(path, out var b) ? b.List() : [];

    // ---- IBlockStaging ----

    public async Task<IReadOnlyList<StagedBlock>> GetBlocksAsync(StorePath path, CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken, "blocks-read");
        return _blobs.TryGetValue(path.Value, out var b) ? b.List() : [];
    }

    public async Task<bool> StageAsync(StorePath path, string blockId, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken)
    {
        if (!KeepBytes)
        {
            var fingerprint = new byte[16];
            BitConverter.TryWriteBytes(fingerprint, (long)content.Length);
            BitConverter.TryWriteBytes(fingerprint.AsSpan(8), System.IO.Hashing.XxHash3.HashToUInt64(content.Span));
            await StepAsync(cancellationToken, "stage");
            BlobAt(path.Value).Stage(blockId, fingerprint, content.Length);
            return true;
        }

        var copy = content.ToArray();
        await StepAsync(cancellationToken, "stage");
        if (!MD5.HashData(copy).AsSpan().SequenceEqual(md5))
        {
            return false; // Azure: 400 Md5Mismatch, and nothing is staged
        }

        BlobAt(path.Value).Stage(blockId, copy);
        return true;
    }

    public async Task<bool> TryCommitAsync(StorePath path, IReadOnlyList<string> blockIds, CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken);
        if (!BlobAt(path.Value).Commit(blockIds))
        {
            return false;
        }

        OnFileWrite?.Invoke(path.Value, "session-commit");
        return true;
    }

    // ---- IFileWriter, IFileIndex, IFileRemoval, IFileCopy ----

    public async Task PutAsync(StorePath path, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken)
    {
        var copy = content.ToArray();
        await StepAsync(cancellationToken);
        BlobAt(path.Value).Put(copy);
        OnFileWrite?.Invoke(path.Value, "put");
    }

    public async Task<bool> CommitAsync(StorePath path, IReadOnlyList<string> blockIds, byte[] md5, CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken);
        if (!BlobAt(path.Value).Commit(blockIds))
        {
            return false;
        }

        OnFileWrite?.Invoke(path.Value, "file-commit");
        return true;
    }

    public async Task<StoredFile?> GetAsync(StorePath path, CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken);
        return _blobs.TryGetValue(path.Value, out var b) && b.Exists ? new StoredFile(path.Value, b.Content().Length, DateTimeOffset.UnixEpoch, b.ETag) : null;
    }

    public Task<ContentPage> ListPageAsync(string prefix, string? continuation, int pageSize, CancellationToken cancellationToken) => throw new NotSupportedException();

    public IAsyncEnumerable<StoredFile> ListAllAsync(string prefix, CancellationToken cancellationToken) =>
        new Listing<StoredFile>(async () =>
        {
            await StepAsync(cancellationToken);
            var files = _blobs.Where(b => b.Key.StartsWith(prefix, StringComparison.Ordinal) && b.Value.Exists).OrderBy(b => b.Key, StringComparer.Ordinal)
                .Select(b => new StoredFile(b.Key, b.Value.Content().Length, DateTimeOffset.UnixEpoch, b.Value.ETag)).ToList();
            Listed += files.Count;
            return files;
        });

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken);
        var existed = _blobs.TryGetValue(name, out var b) && b.Exists;
        _blobs.Remove(name); // On Azure, deleting a blob drops its uncommitted blocks too.
        if (existed)
        {
            OnFileWrite?.Invoke(name, "delete");
        }

        return existed;
    }

    public async Task<bool> CopyAsync(string source, StorePath destination, CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken);
        if (Content(source) is not { } bytes)
        {
            return false;
        }

        BlobAt(destination.Value).Put(bytes);
        OnFileWrite?.Invoke(destination.Value, "copy");
        return true;
    }

    public async Task<SessionStoreUsage> MeasureAsync(CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken);
        Listed += _meta.Count; // one listing of the whole container, as the adapter makes
        var records = _meta.Where(m => m.Key.StartsWith("sessions/", StringComparison.Ordinal)).ToList();
        var claims = _meta.Where(m => m.Key.StartsWith(ClaimNames.Prefix, StringComparison.Ordinal)).ToList();
        var open = Records.Where(r => SessionMachine.IsOpen(r.State)).ToList();
        return new SessionStoreUsage(records.Count, claims.Count, records.Concat(claims).Sum(m => (long)Size(m.Value.Json)), open.Count, open.Sum(r => r.ReceivedBytes));
    }

    // ---- ISessionUsageSummary ----

    async Task<Versioned<SessionUsageSummary>?> ISessionUsageSummary.ReadAsync(CancellationToken cancellationToken) =>
        await ReadAsync<SessionUsageSummary>(SummaryName, cancellationToken);

    async Task<bool> ISessionUsageSummary.TryWriteAsync(SessionUsageSummary summary, string? version, CancellationToken cancellationToken) =>
        await WriteAsync(SummaryName, summary, version, cancellationToken) is not null;

    /// <summary>The summary as stored, without the scheduler; null when there is none.</summary>
    public SessionUsageSummary? Summary => _meta.TryGetValue(SummaryName, out var s) ? JsonSerializer.Deserialize<SessionUsageSummary>(s.Json, Json) : null;

    /// <summary>Removes the summary, without the scheduler (a store from before it existed).</summary>
    public void RemoveSummary() => _meta.Remove(SummaryName);

    // ---- ISessionRecords ----

    public async Task<Versioned<UploadSessionRecord>?> GetAsync(Guid sessionId, CancellationToken cancellationToken) =>
        await ReadAsync<UploadSessionRecord>(SessionName(sessionId), cancellationToken);

    public Task<string?> TryCreateAsync(UploadSessionRecord record, CancellationToken cancellationToken) =>
        WriteAsync(SessionName(record.SessionId), record, null, cancellationToken);

    public Task<string?> TryReplaceAsync(UploadSessionRecord record, string version, CancellationToken cancellationToken) =>
        WriteAsync(SessionName(record.SessionId), record, version, cancellationToken);

    public Task<bool> TryDeleteAsync(Guid sessionId, string version, CancellationToken cancellationToken) =>
        DeleteMetaAsync(SessionName(sessionId), version, cancellationToken);

    public IAsyncEnumerable<SessionRecordEntry> ListAsync(CancellationToken cancellationToken) =>
        new Listing<SessionRecordEntry>(async () =>
        {
            await StepAsync(cancellationToken);
            var entries = _meta.Where(m => m.Key.StartsWith("sessions/", StringComparison.Ordinal))
                .Select(m => (Record: JsonSerializer.Deserialize<UploadSessionRecord>(m.Value.Json, Json)!, Bytes: Size(m.Value.Json)))
                .Select(r => new SessionRecordEntry(r.Record.SessionId, r.Record.State, null, r.Record.ReceivedBytes, r.Bytes)).ToList();
            Listed += entries.Count;
            return entries;
        });

    // ---- IPathClaims ----

    async Task<Versioned<PathClaim>?> IPathClaims.GetAsync(StorePath path, CancellationToken cancellationToken) =>
        await ReadAsync<PathClaim>(ClaimNames.For(path), cancellationToken);

    public Task<string?> TryCreateAsync(PathClaim claim, CancellationToken cancellationToken) =>
        WriteAsync(ClaimNames.For(StorePath.Parse(claim.Path)), claim, null, cancellationToken);

    public Task<string?> TryReplaceAsync(PathClaim claim, string version, CancellationToken cancellationToken) =>
        WriteAsync(ClaimNames.For(StorePath.Parse(claim.Path)), claim, version, cancellationToken);

    public Task<bool> TryDeleteAsync(StorePath path, string version, CancellationToken cancellationToken) =>
        DeleteMetaAsync(ClaimNames.For(path), version, cancellationToken);

    public IAsyncEnumerable<Versioned<PathClaim>> ListAsync(StorePath? path, CancellationToken cancellationToken) =>
        new Listing<Versioned<PathClaim>>(async () => (await ClaimsAsync(path, cancellationToken)).Select(c => c.Claim).ToList());

    public IAsyncEnumerable<ListedClaim> ListEveryAsync(CancellationToken cancellationToken) =>
        new Listing<ListedClaim>(() => ClaimsAsync(null, cancellationToken));

    private async Task<List<ListedClaim>> ClaimsAsync(StorePath? path, CancellationToken cancellationToken)
    {
        var found = new List<ListedClaim>();
        if (path is not null && await ((IPathClaims)this).GetAsync(path, cancellationToken) is { } own)
        {
            found.Add(new(own, _meta.TryGetValue(ClaimNames.For(path), out var stored) ? Size(stored.Json) : 0));
        }

        await StepAsync(cancellationToken);
        var prefix = ClaimNames.Below(path);
        foreach (var (name, value) in _meta.Where(m => m.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            Calls++; // one read per claim found, as the adapter does
            Listed++;
            var claim = JsonSerializer.Deserialize<PathClaim>(value.Json, Json)!;
            if (path is null || (claim.Path != path.Value && ClaimNames.IsAtOrBelow(claim.Path, path)))
            {
                found.Add(new(new(claim, value.ETag), Size(value.Json)));
            }
        }

        return found;
    }

    // ---- internals ----

    private static string SessionName(Guid id) => $"sessions/{id:D}.json";

    private static int Size(string json) => System.Text.Encoding.UTF8.GetByteCount(json);
    private static string Kind(string name, string what) => name.StartsWith("sessions/", StringComparison.Ordinal) ? $"record-{what}" : "claim";

    private Blob BlobAt(string path) => _blobs.TryGetValue(path, out var b) ? b : _blobs[path] = new Blob(this);

    private string NextETag() => $"\"0x{++_etag:X}\"";

    private async Task StepAsync(CancellationToken cancellationToken, string kind = "file")
    {
        if (kind.StartsWith("record", StringComparison.Ordinal))
        {
            RecordCalls++;
        }

        if (scheduler is not null)
        {
            OnCall?.Invoke(Scheduler.Current, kind);
            await scheduler.StepAsync();
        }

        cancellationToken.ThrowIfCancellationRequested();
        Calls++;
    }

    private async Task<Versioned<T>?> ReadAsync<T>(string name, CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken, Kind(name, "read"));
        return _meta.TryGetValue(name, out var v) ? new Versioned<T>(JsonSerializer.Deserialize<T>(v.Json, Json)!, v.ETag) : null;
    }

    private async Task<string?> WriteAsync<T>(string name, T value, string? version, CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken, Kind(name, "write"));
        var exists = _meta.TryGetValue(name, out var current);
        if (version is null ? exists : !exists || current.ETag != version)
        {
            return null;
        }

        var etag = NextETag();
        _meta[name] = (JsonSerializer.Serialize(value, Json), etag);
        if (value is UploadSessionRecord record)
        {
            OnRecordChange?.Invoke(exists ? JsonSerializer.Deserialize<UploadSessionRecord>(current.Json, Json) : null, record);
        }

        return etag;
    }

    private async Task<bool> DeleteMetaAsync(string name, string version, CancellationToken cancellationToken)
    {
        await StepAsync(cancellationToken, Kind(name, "write"));
        if (!_meta.TryGetValue(name, out var current) || current.ETag != version)
        {
            return false;
        }

        _meta.Remove(name);
        if (name.StartsWith("sessions/", StringComparison.Ordinal))
        {
            OnRecordChange?.Invoke(JsonSerializer.Deserialize<UploadSessionRecord>(current.Json, Json), null);
        }

        return true;
    }

    /// <summary>
    /// A listing that reads at its first MoveNext, through a Task (not a compiler async iterator, whose continuations may
    /// hop to the thread pool): the scheduler's request keeps running on the test's thread.
    /// </summary>
    private sealed class Listing<T>(Func<Task<List<T>>> load) : IAsyncEnumerable<T>
    {
        public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) => new Enumerator(load);

        private sealed class Enumerator(Func<Task<List<T>>> load) : IAsyncEnumerator<T>
        {
            private List<T>? _items;
            private int _index = -1;

            public T Current => _items![_index];

            public ValueTask<bool> MoveNextAsync() =>
                _items is null ? new ValueTask<bool>(LoadAsync()) : new ValueTask<bool>(++_index < _items.Count);

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;

            private async Task<bool> LoadAsync()
            {
                _items = await load();
                return ++_index < _items.Count;
            }
        }
    }

    private sealed class Blob(InMemoryStore store)
    {
        private readonly Dictionary<string, byte[]> _uncommitted = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _sizes = new(StringComparer.Ordinal);
        private List<(string Id, byte[] Data)> _committed = [];

        public bool Exists { get; private set; }

        public string ETag { get; private set; } = "";

        public byte[] Content() => _committed.SelectMany(b => b.Data).ToArray();

        public byte[]? Data(string id) => _uncommitted.TryGetValue(id, out var d) ? d : _committed.FirstOrDefault(c => c.Id == id).Data;

        public IReadOnlyList<StagedBlock> List() =>
            _committed.Where(b => b.Id.Length > 0).Select(b => new StagedBlock(b.Id, Size(b.Id, b.Data), true))
                .Concat(_uncommitted.Select(b => new StagedBlock(b.Key, Size(b.Key, b.Value), false))).ToList();

        public IReadOnlyList<(long Size, ulong Hash)> Fingerprints() =>
            _committed.Select(b => (BitConverter.ToInt64(b.Data, 0), BitConverter.ToUInt64(b.Data, 8))).ToList();

        /// <summary>A block that keeps only its fingerprint (<see cref="KeepBytes"/> false) has its size recorded apart.</summary>
        public void Stage(string id, byte[] fingerprint, long size)
        {
            Stage(id, fingerprint);
            _sizes[id] = size;
        }

        private long Size(string id, byte[] data) => _sizes.TryGetValue(id, out var size) ? size : data.Length;

        public void Stage(string id, byte[] data)
        {
            // A blob written by Put Blob or Copy Blob has no block IDs (Get Block List shows none), so any length may start.
            var length = _uncommitted.Keys.Concat(_committed.Select(c => c.Id)).Where(k => k.Length > 0).Select(k => k.Length).FirstOrDefault(id.Length);
            if (length != id.Length)
            {
                throw new InvalidOperationException($"InvalidBlobOrBlock (400): block ID length {id.Length}, the blob's are {length}");
            }

            if (!_uncommitted.ContainsKey(id) && _uncommitted.Count >= MaxUncommitted)
            {
                throw new InvalidOperationException("BlockCountExceedsLimit (409)");
            }

            _uncommitted[id] = data;
        }

        public bool Commit(IReadOnlyList<string> ids)
        {
            if (ids.Count > MaxCommitted)
            {
                throw new InvalidOperationException("BlockListTooLong (400)");
            }

            var committed = _committed.Where(c => c.Id.Length > 0).GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.First().Data);
            var list = new List<(string, byte[])>();
            foreach (var id in ids)
            {
                if (_uncommitted.TryGetValue(id, out var data) || committed.TryGetValue(id, out data))
                {
                    list.Add((id, data));
                }
                else
                {
                    return false; // InvalidBlockList: nothing changes
                }
            }

            _committed = list;
            _uncommitted.Clear();
            Exists = true;
            ETag = store.NextETag();
            return true;
        }

        public void Put(byte[] content)
        {
            _committed = [("", content)];
            _uncommitted.Clear();
            Exists = true;
            ETag = store.NextETag();
        }
    }
}
