using System.Security.Cryptography;
using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.Client.Uploads;

namespace BlobImageStore.Client.Tests;

/// <summary>A folder tree uploaded like Copy-SFApplicationPackage arrives as the same tree, with its mark files last.</summary>
[Collection(ClientStoreCollection.Name)]
public sealed class PackageUploadTests(ClientStoreFixture store)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task A_folder_arrives_with_the_same_names_sizes_and_bytes_plus_a_mark_file_per_folder_written_last_deepest_first()
    {
        var source = Path.Combine(store.Scratch, "pkg-" + Guid.NewGuid().ToString("N"));
        var files = new Dictionary<string, long>
        {
            ["ApplicationManifest.xml"] = 1200,
            ["Svc/ServiceManifest.xml"] = 800,
            ["Svc/Code/big.bin"] = 5 * MiB + 123,       // above the threshold: through a session
            ["Svc/Code/lib/deep/x.dll"] = 70_000,
            ["Svc/Config/empty.txt"] = 0,
            ["Svc/Config/with space ü.txt"] = 3,
            [".hidden/settings"] = 10,
        };
        var seed = 1;
        foreach (var (relative, size) in files)
        {
            store.NewFile(size, seed++, Path.Combine(source, relative));
        }

        Directory.CreateDirectory(Path.Combine(source, "EmptyFolder"));
        await File.WriteAllTextAsync(Path.Combine(source, "Svc", "_.dir"), "a stale mark file is not copied");
        var root = "pkg-" + Guid.NewGuid().ToString("N");
        var client = store.Client();
        var uploader = new PackageUploader(client, client, TestSessions.Uploader(client, TestSessions.TempDir()));
        var totals = new List<PackageProgress>();

        var result = await uploader.UploadAsync(source, root,
            new PackageUploadOptions { SessionThreshold = MiB, Files = new FileUploadOptions { ChunkSize = 2 * MiB } },
            new SyncProgress<PackageProgress>(p => { lock (totals) { totals.Add(p); } }), CancellationToken.None);

        string[] folders = ["", ".hidden", "EmptyFolder", "Svc", "Svc/Code", "Svc/Code/lib", "Svc/Code/lib/deep", "Svc/Config"];
        var expected = files.ToDictionary(f => $"{root}/{f.Key}", f => (Size: f.Value, Sha: ClientStoreFixture.Sha256(Path.Combine(source, f.Key))));
        foreach (var folder in folders)
        {
            expected[folder.Length == 0 ? $"{root}/_.dir" : $"{root}/{folder}/_.dir"] = (0, Convert.ToHexString(SHA256.HashData(Array.Empty<byte>())));
        }

        // The store holds exactly that tree: read from storage, not from the server's listing.
        var stored = new Dictionary<string, (long Size, string Sha)>();
        await foreach (var blob in store.Files.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, root + "/", default))
        {
            stored[blob.Name] = (blob.Properties.ContentLength ?? -1, await store.BlobSha256Async(blob.Name));
        }

        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), stored.OrderBy(s => s.Key, StringComparer.Ordinal));
        Assert.Equal(7, result.Files);
        Assert.Equal(1, result.SessionFiles);
        Assert.Equal(folders.Length, result.MarkFiles);

        // Order on the wire: every mark file after every file, and deeper folders' marks before shallower ones'.
        var puts = store.Proxy.Puts.Where(p => p.StartsWith(root + "/", StringComparison.Ordinal)).ToList();
        var lastFile = puts.FindLastIndex(p => !p.EndsWith("/_.dir", StringComparison.Ordinal));
        var marks = puts.Select((p, i) => (p, i)).Where(x => x.p.EndsWith("/_.dir", StringComparison.Ordinal)).ToList();
        Assert.Equal(folders.Length, marks.Count);
        Assert.All(marks, m => Assert.True(m.i > lastFile, $"{m.p} was written before a file"));
        var depths = marks.Select(m => m.p.Count(c => c == '/')).ToList();
        Assert.Equal(depths.OrderByDescending(d => d), depths);

        lock (totals)
        {
            Assert.Equal(files.Values.Sum(), totals[^1].BytesConfirmed);
            Assert.Equal(7, totals[^1].CompletedFiles);
        }
    }
}
