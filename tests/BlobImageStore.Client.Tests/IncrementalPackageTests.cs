using System.Diagnostics;
using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.Client.Uploads;

namespace BlobImageStore.Client.Tests;

/// <summary>
/// <c>imagestore upload &lt;folder&gt;</c> run again sends only what the store is missing. Measured on the server's
/// side of the network: the <see cref="CountingProxy"/> counts the PUT body bytes that reached the server for every
/// path under the package, whatever the client believes it sent.
/// </summary>
[Collection(ClientStoreCollection.Name)]
public sealed class IncrementalPackageTests(ClientStoreFixture store, ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    private static readonly Dictionary<string, long> Package = new()
    {
        ["ApplicationManifest.xml"] = 2_000,
        ["Svc/ServiceManifest.xml"] = 1_500,
        ["Svc/Config/Settings.xml"] = 700_000,
        ["Svc/Config/empty.txt"] = 0,
        ["Svc/Code/a.bin"] = 3 * MiB + 11,     // above the 1 MiB threshold: sessions
        ["Svc/Code/b.bin"] = 12 * MiB + 5,
        ["Svc/Code/c.bin"] = 5 * MiB,
    };

    private string NewPackage(int seed)
    {
        var source = Path.Combine(store.Scratch, "inc-" + Guid.NewGuid().ToString("N"));
        foreach (var (relative, size) in Package)
        {
            store.NewFile(size, seed++, Path.Combine(source, relative));
        }

        return source;
    }

    private static string[] Upload(string source, string root, string endpoint, params string[] more) =>
        ["upload", source, root, "--endpoint", endpoint, "--session-threshold", "1MiB", "--chunk-size", "1MiB", "--parallel", "1", .. more];

    [Fact]
    public async Task A_rerun_after_a_completed_upload_sends_no_file_bytes_and_force_sends_them_all()
    {
        var source = NewPackage(100);
        var root = "inc-" + Guid.NewGuid().ToString("N");
        var journal = TestSessions.TempDir();
        var total = Package.Values.Sum();

        var first = await CliProcess.RunAsync(journal, Upload(source, root, store.Proxy.Address.ToString()));
        Assert.True(first.ExitCode == 0, first.ToString());
        var afterFirst = store.Proxy.BodyBytesUnder(root);
        Assert.Equal(total, afterFirst);
        var putsBefore = store.Proxy.Puts.Count(p => p.StartsWith(root + "/", StringComparison.Ordinal));

        var again = await CliProcess.RunAsync(journal, [.. Upload(source, root, store.Proxy.Address.ToString()), "-o", "json"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        var resent = store.Proxy.BodyBytesUnder(root) - afterFirst;
        var putsAgain = store.Proxy.Puts.Count(p => p.StartsWith(root + "/", StringComparison.Ordinal)) - putsBefore;
        output.WriteLine($"package {Package.Count} files, {total} bytes; first run: {afterFirst} bytes reached the server; re-run: {resent} bytes, {putsAgain} PUTs");
        Assert.Equal(0, resent);
        Assert.Equal(0, putsAgain); // not even the 0-byte files or the _.dir marks
        using (var json = System.Text.Json.JsonDocument.Parse(again.Stdout))
        {
            Assert.Equal(Package.Count, json.RootElement.GetProperty("skippedFiles").GetInt32());
            Assert.Equal(total, json.RootElement.GetProperty("skippedBytes").GetInt64());
            Assert.Equal(0, json.RootElement.GetProperty("bytesSent").GetInt64());
        }

        var forced = await CliProcess.RunAsync(journal, [.. Upload(source, root, store.Proxy.Address.ToString()), "--force"]);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal(total, store.Proxy.BodyBytesUnder(root) - afterFirst - resent);
        foreach (var (relative, _) in Package)
        {
            Assert.Equal(ClientStoreFixture.Sha256(Path.Combine(source, relative)), await store.BlobSha256Async($"{root}/{relative}"));
        }
    }

    [Fact]
    public async Task A_rerun_after_a_kill_sends_exactly_the_bytes_the_server_is_missing()
    {
        var source = NewPackage(200);
        var root = "inc-" + Guid.NewGuid().ToString("N");
        var journal = TestSessions.TempDir();
        var bigPath = $"{root}/Svc/Code/b.bin";

        // Slowed to 4 MiB/s per file: killed once the server holds 3 MiB of b.bin (a.bin and the small files are
        // committed by then, c.bin not started).
        using (var first = CliProcess.Start(journal, [.. Upload(source, root, store.Proxy.Address.ToString()), "--limit-rate", "4MiB"]))
        {
            var clock = Stopwatch.StartNew();
            while (await store.ServerApi.GetSessionByPathAsync(bigPath) is not { } seen || TestSessions.Missing(seen) > Package["Svc/Code/b.bin"] - 3 * MiB)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "b.bin never got 3 MiB to the server");
                await Task.Delay(50);
            }

            first.Kill();
        }

        // What the server is missing, read from the server and the store: a committed blob nothing; an open session its
        // ExpectedRanges; anything else the whole file.
        long missing = 0;
        var detail = new List<string>();
        foreach (var (relative, size) in Package)
        {
            var path = $"{root}/{relative}";
            var session = await TestSessions.StableAsync(store.ServerApi, path);
            var committed = await store.Files.GetBlobClient(path).ExistsAsync();
            var lacks = session is not null ? TestSessions.Missing(session) : committed.Value ? 0 : size;
            detail.Add($"{relative}: {(session is not null ? "session" : committed.Value ? "committed" : "absent")}, missing {lacks}");
            missing += lacks;
        }

        var before = store.Proxy.BodyBytesUnder(root);
        var second = await CliProcess.RunAsync(journal, Upload(source, root, store.Proxy.Address.ToString()));
        Assert.True(second.ExitCode == 0, second.ToString());
        var resent = store.Proxy.BodyBytesUnder(root) - before;
        output.WriteLine($"killed: the server had {before} bytes of {Package.Values.Sum()}; missing {missing} ({string.Join("; ", detail)}); the re-run sent {resent} bytes (server side)");
        output.WriteLine(second.Stdout);

        Assert.Equal(missing, resent);
        Assert.True(missing < Package.Values.Sum() - 3 * MiB, "the killed run had committed files that must not be sent again");
        foreach (var (relative, _) in Package)
        {
            Assert.Equal(ClientStoreFixture.Sha256(Path.Combine(source, relative)), await store.BlobSha256Async($"{root}/{relative}"));
        }

        // The marks come after every file of the second run.
        var puts = store.Proxy.Puts.Where(p => p.StartsWith(root + "/", StringComparison.Ordinal)).ToList();
        var lastFile = puts.FindLastIndex(p => !p.EndsWith("/_.dir", StringComparison.Ordinal));
        Assert.True(puts.FindLastIndex(p => p.EndsWith("/_.dir", StringComparison.Ordinal)) > lastFile);
    }

    [Fact]
    public async Task A_file_is_skipped_only_when_its_bytes_and_the_server_version_are_unchanged_not_on_size_or_dates()
    {
        var source = NewPackage(300);
        var root = "inc-" + Guid.NewGuid().ToString("N");
        var client = store.Client();
        var uploader = new PackageUploader(client, client, TestSessions.Uploader(client, TestSessions.TempDir()));
        var options = new PackageUploadOptions { SessionThreshold = MiB, Files = new FileUploadOptions { ChunkSize = MiB } };
        await uploader.UploadAsync(source, root, options);

        // 1. Same size and same write time, different bytes (a fingerprint sample would miss a change this small).
        var edited = Path.Combine(source, "Svc", "Config", "Settings.xml");
        var written = File.GetLastWriteTimeUtc(edited);
        using (var file = File.OpenWrite(edited))
        {
            file.Position = 123_457;
            file.WriteByte(0x42);
        }

        File.SetLastWriteTimeUtc(edited, written);

        // 2. Rewritten on the server by someone else with the same bytes count (its FileVersion changes).
        await client.UploadFileAsync($"{root}/ApplicationManifest.xml", new byte[Package["ApplicationManifest.xml"]]);

        var before = store.Proxy.BodyBytesUnder(root);
        var result = await uploader.UploadAsync(source, root, options);

        Assert.Equal(Package["Svc/Config/Settings.xml"] + Package["ApplicationManifest.xml"], store.Proxy.BodyBytesUnder(root) - before);
        Assert.Equal(Package.Count - 2, result.SkippedFiles);
        Assert.Equal(ClientStoreFixture.Sha256(edited), await store.BlobSha256Async($"{root}/Svc/Config/Settings.xml"));
        Assert.Equal(ClientStoreFixture.Sha256(Path.Combine(source, "ApplicationManifest.xml")), await store.BlobSha256Async($"{root}/ApplicationManifest.xml"));

        // 3. With another journal (another machine, or none): nothing is known to be committed identically, all is sent.
        var elsewhere = new PackageUploader(client, client, TestSessions.Uploader(client, TestSessions.TempDir()));
        var fresh = await elsewhere.UploadAsync(source, root, options);
        Assert.Equal(0, fresh.SkippedFiles);
    }
}
