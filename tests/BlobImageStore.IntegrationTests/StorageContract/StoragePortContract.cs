using System.Security.Cryptography;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using Xunit.Abstractions;

namespace BlobImageStore.IntegrationTests.StorageContract;

/// <summary>The storage ports one implementation provides (the in-memory store, or the Blob adapters over one store).</summary>
public sealed record StoragePorts(
    IBlockStaging Staging,
    ISessionRecords Records,
    IPathClaims Claims,
    IFileWriter Writer,
    IFileIndex Index,
    IFileRemoval Removal,
    IFileCopy Copy,
    ISessionUsageSummary Summary);

/// <summary>Rules of Azure Blob Storage that an implementation of the ports may not show (Azurite), each with its reason.</summary>
public enum AzureRule
{
    /// <summary>Put Blob discards the blob's uncommitted blocks.</summary>
    PutBlobDiscardsUncommittedBlocks,

    /// <summary>Delete Blob discards the blob's uncommitted blocks.</summary>
    DeleteBlobDiscardsUncommittedBlocks,
}

/// <summary>
/// The contract of the storage ports (<c>src/BlobImageStore.Core/Storage</c>), written once and run against every
/// implementation: the in-memory store the model tests use (<see cref="InMemoryStoreContractTests"/>), which must have
/// Azure's documented semantics, and the real Blob adapters on a real Azurite (<see cref="AzuriteStoreContractTests"/>).
/// A case Azurite cannot show (<see cref="Deviations"/>) still runs there: it asserts Azurite's known behaviour at that
/// one point, with the reason written to the test output, so a change in Azurite is noticed; every other assertion of
/// the case holds on both.
/// <para>Not in the contract: <c>IFileIndex.ListPageAsync</c> (the in-memory store has no folder pages; covered by the
/// listing tests on Azurite), the 100,000 / 50,000 block limits (too slow on Azurite; the in-memory store enforces them),
/// and CRC64 (no port uses it: the adapters validate with MD5 because Azurite corrupts CRC64-validated uploads).</para>
/// </summary>
public abstract class StoragePortContract(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly StorePath File = StorePath.Parse("contract/dir/file.bin");

    private StoragePorts _ports = null!;

    protected StoragePorts Ports => _ports;

    /// <summary>The Azure rules this implementation does not keep, with why; empty for Azure's semantics.</summary>
    protected virtual IReadOnlyDictionary<AzureRule, string> Deviations { get; } = new Dictionary<AzureRule, string>();

    /// <summary>Fresh, empty ports for one test.</summary>
    protected abstract Task<StoragePorts> CreateAsync();

    public async Task InitializeAsync() => _ports = await CreateAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    // ---- session records: conditional create / replace / delete with versions ----

    [Fact]
    public async Task A_record_is_created_only_when_none_exists_and_read_back_with_its_version()
    {
        var record = Record(Guid.NewGuid());
        Assert.Null(await Ports.Records.GetAsync(record.SessionId, default));

        var version = await Ports.Records.TryCreateAsync(record, default);
        Assert.False(string.IsNullOrEmpty(version));
        Assert.Null(await Ports.Records.TryCreateAsync(record with { FileSize = 1 }, default));

        var read = await Ports.Records.GetAsync(record.SessionId, default);
        Assert.Equal(record, read!.Value.Value);
        Assert.Equal(version, read.Value.Version);
    }

    [Fact]
    public async Task A_record_is_replaced_only_at_the_version_read_and_each_write_gives_a_new_version()
    {
        var record = Record(Guid.NewGuid());
        var v1 = (await Ports.Records.TryCreateAsync(record, default))!;
        var v2 = await Ports.Records.TryReplaceAsync(record with { State = SessionState.Open }, v1, default);
        Assert.NotNull(v2);
        Assert.NotEqual(v1, v2);

        Assert.Null(await Ports.Records.TryReplaceAsync(record with { State = SessionState.Deleted }, v1, default));
        Assert.Equal(SessionState.Open, (await Ports.Records.GetAsync(record.SessionId, default))!.Value.Value.State);
        Assert.Null(await Ports.Records.TryReplaceAsync(Record(Guid.NewGuid()), v2!, default)); // no such record
    }

    [Fact]
    public async Task A_record_is_deleted_only_at_the_version_read()
    {
        var record = Record(Guid.NewGuid());
        var v1 = (await Ports.Records.TryCreateAsync(record, default))!;
        var v2 = (await Ports.Records.TryReplaceAsync(record with { ReceivedBytes = 5 }, v1, default))!;

        Assert.False(await Ports.Records.TryDeleteAsync(record.SessionId, v1, default));
        Assert.NotNull(await Ports.Records.GetAsync(record.SessionId, default));
        Assert.True(await Ports.Records.TryDeleteAsync(record.SessionId, v2, default));
        Assert.Null(await Ports.Records.GetAsync(record.SessionId, default));
        Assert.False(await Ports.Records.TryDeleteAsync(record.SessionId, v2, default));

        // The id is free again: a create succeeds.
        Assert.NotNull(await Ports.Records.TryCreateAsync(record, default));
    }

    [Fact]
    public async Task Listing_records_gives_each_id_with_its_state_and_received_bytes()
    {
        var a = Record(Guid.NewGuid()) with { State = SessionState.Open, ReceivedBytes = 7 };
        var b = Record(Guid.NewGuid()) with { State = SessionState.Deleted, Ended = Now };
        await Ports.Records.TryCreateAsync(a, default);
        await Ports.Records.TryCreateAsync(b, default);

        var listed = await Ports.Records.ListAsync(default).ToListAsync();

        Assert.Equal(2, listed.Count);
        var la = Assert.Single(listed, e => e.SessionId == a.SessionId);
        Assert.Equal(SessionState.Open, la.State);
        Assert.Equal(7, la.ReceivedBytes);
        Assert.Equal(SessionState.Deleted, Assert.Single(listed, e => e.SessionId == b.SessionId).State);
    }

    // ---- the session container's usage summary: one item, conditional writes, invisible to the listings ----

    [Fact]
    public async Task The_usage_summary_is_absent_then_created_once_and_replaced_only_at_the_version_read()
    {
        Assert.Null(await Ports.Summary.ReadAsync(default));
        var first = new SessionUsageSummary(new SessionStoreUsage(3, 2, 900, 1, 40), Now);

        Assert.True(await Ports.Summary.TryWriteAsync(first, null, default));
        Assert.False(await Ports.Summary.TryWriteAsync(first with { MeasuredAt = Now.AddMinutes(1) }, null, default));
        var read = (await Ports.Summary.ReadAsync(default))!.Value;
        Assert.Equal(first, read.Value);

        var second = first with { Usage = first.Usage with { OpenSessions = 2 }, MeasuredAt = Now.AddMinutes(5) };
        Assert.True(await Ports.Summary.TryWriteAsync(second, read.Version, default));
        Assert.False(await Ports.Summary.TryWriteAsync(first, read.Version, default)); // a newer one was written meanwhile
        Assert.Equal(second, (await Ports.Summary.ReadAsync(default))!.Value.Value);
    }

    [Fact]
    public async Task The_usage_summary_is_never_listed_as_a_record_or_a_claim()
    {
        var record = Record(Guid.NewGuid()) with { State = SessionState.Open, ReceivedBytes = 7 };
        await Ports.Records.TryCreateAsync(record, default);
        var claim = Claim("usage.json"); // a file named like the summary has its own claim
        await Ports.Claims.TryCreateAsync(claim, default);
        Assert.True(await Ports.Summary.TryWriteAsync(new SessionUsageSummary(new SessionStoreUsage(1, 1, 100, 1, 7), Now), null, default));

        Assert.Equal([record.SessionId], await Ports.Records.ListAsync(default).Select(e => e.SessionId).ToListAsync());
        Assert.Equal(["usage.json"], await Ports.Claims.ListAsync(null, default).Select(c => c.Value.Path).ToListAsync());
        var every = await Ports.Claims.ListEveryAsync(default).ToListAsync();
        Assert.Equal("usage.json", Assert.Single(every).Claim.Value.Path);
        Assert.True(every[0].Bytes > 0);
        Assert.True((await Ports.Records.ListAsync(default).SingleAsync()).Bytes > 0);
        Assert.Equal(claim, (await Ports.Claims.GetAsync(StorePath.Parse("usage.json"), default))!.Value.Value);
    }

    // ---- path claims: conditional writes, found by path and by prefix ----

    [Fact]
    public async Task A_claim_is_created_replaced_and_deleted_only_at_the_version_read()
    {
        var claim = Claim("contract/a.bin");
        var path = StorePath.Parse(claim.Path);
        Assert.Null(await Ports.Claims.GetAsync(path, default));

        var v1 = (await Ports.Claims.TryCreateAsync(claim, default))!;
        Assert.Null(await Ports.Claims.TryCreateAsync(claim with { Holder = Guid.NewGuid() }, default));
        Assert.Equal(claim, (await Ports.Claims.GetAsync(path, default))!.Value.Value);

        var v2 = await Ports.Claims.TryReplaceAsync(claim with { Until = Now.AddMinutes(2) }, v1, default);
        Assert.NotNull(v2);
        Assert.NotEqual(v1, v2);
        Assert.Null(await Ports.Claims.TryReplaceAsync(claim, v1, default));
        Assert.False(await Ports.Claims.TryDeleteAsync(path, v1, default));
        Assert.True(await Ports.Claims.TryDeleteAsync(path, v2!, default));
        Assert.Null(await Ports.Claims.GetAsync(path, default));
        Assert.Null(await Ports.Claims.TryReplaceAsync(claim, v2!, default));
    }

    [Fact]
    public async Task Claims_at_and_below_a_path_are_listed_by_prefix_and_no_others()
    {
        string[] paths = ["pkg", "pkg/a.bin", "pkg/sub/b.bin", "pkgx/c.bin", "pk/d.bin", "other/pkg/e.bin"];
        foreach (var p in paths)
        {
            Assert.NotNull(await Ports.Claims.TryCreateAsync(Claim(p), default));
        }

        var under = await Ports.Claims.ListAsync(StorePath.Parse("pkg"), default).Select(c => c.Value.Path).ToListAsync();
        Assert.Equal(["pkg", "pkg/a.bin", "pkg/sub/b.bin"], under.Order(StringComparer.Ordinal));

        var all = await Ports.Claims.ListAsync(null, default).ToListAsync();
        Assert.Equal(paths.Order(StringComparer.Ordinal), all.Select(c => c.Value.Path).Order(StringComparer.Ordinal));

        // A listed claim carries its version: it can be deleted with it.
        var listed = all.Single(c => c.Value.Path == "pkg/a.bin");
        Assert.True(await Ports.Claims.TryDeleteAsync(StorePath.Parse("pkg/a.bin"), listed.Version, default));
    }

    [Fact]
    public async Task The_claim_of_a_path_too_long_for_a_blob_name_is_kept_and_listed_under_its_folder()
    {
        var folder = string.Join('/', Enumerable.Range(0, 20).Select(i => new string((char)('a' + i), 40)));
        var longPath = folder + "/" + new string('z', 1024 - folder.Length - 1);
        Assert.Equal(StorePath.MaxLength, longPath.Length);
        var claim = Claim(longPath);

        var version = await Ports.Claims.TryCreateAsync(claim, default);
        Assert.NotNull(version);
        Assert.Equal(claim, (await Ports.Claims.GetAsync(StorePath.Parse(longPath), default))!.Value.Value);
        var listed = await Ports.Claims.ListAsync(StorePath.Parse(folder[..(folder.IndexOf('/', 400))]), default).ToListAsync();
        Assert.Equal(longPath, Assert.Single(listed).Value.Path);
    }

    // ---- block staging ----

    [Fact]
    public async Task A_blob_with_no_blocks_lists_none()
    {
        Assert.Empty(await Ports.Staging.GetBlocksAsync(File, default));
    }

    [Fact]
    public async Task Staged_blocks_are_listed_uncommitted_with_their_sizes_and_are_no_file()
    {
        var a = Id(0);
        var b = Id(1);
        await StageAsync(a, 3);
        await StageAsync(b, 5);

        var blocks = await Ports.Staging.GetBlocksAsync(File, default);
        Assert.Equal([new StagedBlock(a, 3, false), new StagedBlock(b, 5, false)], blocks.OrderBy(x => x.Size));

        // Uncommitted blocks alone are not a file: no reader sees one.
        Assert.Null(await Ports.Index.GetAsync(File, default));
        Assert.Empty(await Ports.Index.ListAllAsync("contract/", default).ToListAsync());
    }

    [Fact]
    public async Task Re_staging_a_block_id_replaces_the_block()
    {
        var a = Id(0);
        await StageAsync(a, 3);
        var second = await StageAsync(a, 9);

        Assert.Equal([new StagedBlock(a, 9, false)], await Ports.Staging.GetBlocksAsync(File, default));
        Assert.True(await Ports.Staging.TryCommitAsync(File, [a], default));
        await AssertContentAsync(second);
    }

    [Fact]
    public async Task A_block_whose_bytes_do_not_match_its_md5_is_refused_and_not_staged()
    {
        var bytes = Bytes(4, 1);
        var wrong = MD5.HashData(Bytes(4, 2));

        Assert.False(await Ports.Staging.StageAsync(File, Id(0), bytes, wrong, default));

        Assert.Empty(await Ports.Staging.GetBlocksAsync(File, default));
    }

    [Fact]
    public async Task All_block_ids_of_a_blob_have_one_length()
    {
        await StageAsync(Id(0), 3);
        var shorter = Convert.ToBase64String(new byte[12]);

        await Assert.ThrowsAnyAsync<Exception>(() => Ports.Staging.StageAsync(File, shorter, new byte[] { 1 }, MD5.HashData(new byte[] { 1 }), default));

        Assert.Equal([Id(0)], (await Ports.Staging.GetBlocksAsync(File, default)).Select(b => b.Name));
    }

    [Fact]
    public async Task Commit_makes_the_file_exactly_the_listed_blocks_in_order_and_discards_every_unlisted_uncommitted_block()
    {
        var first = await StageAsync(Id(0), 3);
        var unlisted = Id(1);
        await StageAsync(unlisted, 4);
        var last = await StageAsync(Id(2), 5);

        Assert.True(await Ports.Staging.TryCommitAsync(File, [Id(2), Id(0)], default));

        await AssertContentAsync([.. last, .. first]);
        var blocks = await Ports.Staging.GetBlocksAsync(File, default);
        Assert.Equal([new StagedBlock(Id(2), 5, true), new StagedBlock(Id(0), 3, true)], blocks);
        var file = await Ports.Index.GetAsync(File, default);
        Assert.Equal(8, file!.Size);
        Assert.Equal(File.Value, file.Name);
    }

    [Fact]
    public async Task A_commit_naming_a_missing_block_fails_and_changes_nothing()
    {
        var before = await StageAsync(Id(0), 3);
        Assert.True(await Ports.Staging.TryCommitAsync(File, [Id(0)], default));
        var version = (await Ports.Index.GetAsync(File, default))!.Version;
        await StageAsync(Id(1), 4);

        Assert.False(await Ports.Staging.TryCommitAsync(File, [Id(1), Id(7)], default));

        await AssertContentAsync(before);
        Assert.Equal(version, (await Ports.Index.GetAsync(File, default))!.Version);
        Assert.Contains(new StagedBlock(Id(1), 4, false), await Ports.Staging.GetBlocksAsync(File, default));
    }

    [Fact]
    public async Task A_commit_may_list_committed_blocks_again_and_a_listed_id_resolves_to_its_uncommitted_block_first()
    {
        var a = await StageAsync(Id(0), 3);
        await StageAsync(Id(1), 4);
        Assert.True(await Ports.Staging.TryCommitAsync(File, [Id(0), Id(1)], default));

        var b2 = await StageAsync(Id(1), 6, seed: 9); // the same ID again, uncommitted
        var c = await StageAsync(Id(2), 2);
        Assert.True(await Ports.Staging.TryCommitAsync(File, [Id(0), Id(1), Id(2)], default));

        await AssertContentAsync([.. a, .. b2, .. c]);
    }

    [Fact]
    public async Task Every_commit_gives_the_file_a_new_version()
    {
        await StageAsync(Id(0), 3);
        Assert.True(await Ports.Staging.TryCommitAsync(File, [Id(0)], default));
        var v1 = (await Ports.Index.GetAsync(File, default))!.Version;
        Assert.True(await Ports.Staging.TryCommitAsync(File, [Id(0)], default));

        Assert.NotEqual(v1, (await Ports.Index.GetAsync(File, default))!.Version);
    }

    // ---- whole-file writes: Put Blob, Put Block List, Delete Blob, Copy Blob ----

    [Fact]
    public async Task Put_blob_makes_the_file_exactly_the_body_and_discards_uncommitted_blocks()
    {
        var staged = Id(0);
        await StageAsync(staged, 3);
        var body = Bytes(10, 3);

        await Ports.Writer.PutAsync(File, body, MD5.HashData(body), default);

        await AssertContentAsync(body);
        await AssertDiscardedAsync(AzureRule.PutBlobDiscardsUncommittedBlocks, staged);
    }

    [Fact]
    public async Task A_whole_file_commit_is_the_listed_blocks_and_fails_without_change_when_one_is_missing()
    {
        var a = await StageAsync(Id(0), 3);
        var b = await StageAsync(Id(1), 4);
        byte[] whole = [.. a, .. b];

        Assert.False(await Ports.Writer.CommitAsync(File, [Id(0), Id(5)], MD5.HashData(whole), default));
        Assert.Null(await Ports.Index.GetAsync(File, default));
        Assert.True(await Ports.Writer.CommitAsync(File, [Id(0), Id(1)], MD5.HashData(whole), default));
        await AssertContentAsync(whole);
    }

    [Fact]
    public async Task Delete_blob_removes_the_file_and_discards_its_uncommitted_blocks()
    {
        var body = Bytes(10, 3);
        await Ports.Writer.PutAsync(File, body, MD5.HashData(body), default);
        var staged = Id(0);
        await StageAsync(staged, 3);

        Assert.True(await Ports.Removal.DeleteAsync(File.Value, default));

        Assert.Null(await Ports.Index.GetAsync(File, default));
        Assert.False(await Ports.Removal.DeleteAsync(File.Value, default));
        await AssertDiscardedAsync(AzureRule.DeleteBlobDiscardsUncommittedBlocks, staged);
    }

    [Fact]
    public async Task Copy_blob_replaces_the_destination_with_the_source_and_refuses_a_missing_source()
    {
        var source = StorePath.Parse("contract/src.bin");
        var body = Bytes(20, 4);
        await Ports.Writer.PutAsync(source, body, MD5.HashData(body), default);
        var old = Bytes(5, 5);
        await Ports.Writer.PutAsync(File, old, MD5.HashData(old), default);

        Assert.True(await Ports.Copy.CopyAsync(source.Value, File, default));
        await AssertContentAsync(body);
        await AssertContentAsync(body, source);

        Assert.False(await Ports.Copy.CopyAsync("contract/none.bin", StorePath.Parse("contract/dst.bin"), default));
        Assert.Null(await Ports.Index.GetAsync(StorePath.Parse("contract/dst.bin"), default));
    }

    [Fact]
    public async Task Listing_all_files_under_a_prefix_gives_committed_files_at_any_depth_in_name_order()
    {
        foreach (var name in new[] { "lst/b.bin", "lst/a/x.bin", "lst/a/y/z.bin", "lstx.bin", "other/lst/q.bin" })
        {
            var body = Bytes(name.Length, name.Length);
            await Ports.Writer.PutAsync(StorePath.Parse(name), body, MD5.HashData(body), default);
        }

        await Ports.Staging.StageAsync(StorePath.Parse("lst/staged.bin"), Id(0), new byte[] { 1 }, MD5.HashData(new byte[] { 1 }), default);

        var listed = await Ports.Index.ListAllAsync("lst/", default).ToListAsync();
        Assert.Equal(["lst/a/x.bin", "lst/a/y/z.bin", "lst/b.bin"], listed.Select(f => f.Name));
        Assert.Equal("lst/b.bin".Length, listed[2].Size);
        Assert.All(listed, f => Assert.False(string.IsNullOrEmpty(f.Version)));
    }

    // ---- helpers ----

    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static UploadSessionRecord Record(Guid id) =>
        new(id, "contract/dir/file.bin", 100, 42, Now, Now, SessionState.Pending, "owner", 4096, Now.AddMinutes(1));

    private static PathClaim Claim(string path) => new(path, ClaimKind.Session, Guid.NewGuid(), 7, Now);

    /// <summary>A protocol-version-2 block ID (60 characters), distinct per <paramref name="n"/>.</summary>
    private static string Id(int n) => new BlockId(BlockKind.Data, 42, 0, 99, n, 1, default).Encode();

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task<byte[]> StageAsync(string id, int length, int seed = 0)
    {
        var bytes = Bytes(length, seed == 0 ? length : seed);
        Assert.True(await Ports.Staging.StageAsync(File, id, bytes, MD5.HashData(bytes), default));
        return bytes;
    }

    private async Task AssertContentAsync(byte[] expected, StorePath? path = null)
    {
        var content = await ReadAsync(path ?? File);
        Assert.NotNull(content);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(content));
    }

    /// <summary>
    /// The committed content of the blob at <paramref name="path"/>, null when there is no file. Not a port (the store
    /// never reads a file's bytes back): each implementation reads it its own way (Get Blob on Azurite).
    /// </summary>
    protected abstract Task<byte[]?> ReadAsync(StorePath path);

    private async Task AssertDiscardedAsync(AzureRule rule, string staged)
    {
        // Discarded: Get Block List no longer shows it, and a Put Block List naming it fails (InvalidBlockList).
        var listed = (await Ports.Staging.GetBlocksAsync(File, default)).Any(b => b.Name == staged && !b.Committed);
        var before = await ReadAsync(File);
        var committable = await Ports.Staging.TryCommitAsync(File, [staged], default);
        if (Deviations.TryGetValue(rule, out var reason))
        {
            output.WriteLine($"Azurite deviation, {rule}: {reason}");
            Assert.True(listed || committable, "Azurite's known behaviour, pinned: the uncommitted block is kept");
            return;
        }

        Assert.False(listed, "the uncommitted block is still listed");
        Assert.False(committable, "a Put Block List could still commit the discarded block");
        Assert.Equal(before is null ? null : Convert.ToHexString(before), (await ReadAsync(File)) is { } after ? Convert.ToHexString(after) : null);
    }
}
