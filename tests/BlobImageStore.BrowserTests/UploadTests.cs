using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using BlobImageStore.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlobImageStore.BrowserTests;

/// <summary>
/// Uploads from the page: a dropped folder arrives byte-identical with its <c>_.dir</c> marks; a reload mid-upload and
/// a pause both resume sending only what the server is missing, counted by the proxy on the server's side.
/// </summary>
[Collection(ExplorerCollection.Name)]
public sealed class UploadTests(ExplorerFixture fixture, ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;
    private const long ChunkSize = 4 * MiB; // the page's chunk size for files up to 4,000 MiB (as the CLI's)
    private static readonly Regex UploadChunk = new(@"/\$/UploadChunk\?");

    [Fact]
    public async Task A_dropped_folder_with_a_50_MiB_file_and_small_files_arrives_byte_identical_with_dir_marks()
    {
        var local = Path.Combine(fixture.Scratch, $"drop-{Guid.NewGuid():N}", "MyApp");
        var big = fixture.NewFile(Path.Combine(local, "Code", "big.bin"), 50 * MiB, 1);
        var manifest = fixture.NewFile(Path.Combine(local, "ApplicationManifest.xml"), 1500, 2);
        var settings = fixture.NewFile(Path.Combine(local, "Config", "Settings.xml"), 300, 3);
        var empty = fixture.NewFile(Path.Combine(local, "Data", "empty.txt"), 0, 4);
        Directory.CreateDirectory(Path.Combine(local, "Logs")); // an empty folder gets its mark too
        var target = ExplorerFixture.UniqueFolder("drop");
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(target);
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("This folder is empty.");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await page.DropAsync("#drop-zone", local);

        await Expect(page.Locator("#total-text")).ToContainTextAsync("Done: 4 of 4 files", new() { Timeout = 180_000 });
        output.WriteLine($"drop: 4 files, {50 * MiB + 1800} bytes, uploaded in {clock.Elapsed.TotalSeconds:0.0} s");
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
        foreach (var (file, relative) in new[] { (big, "Code/big.bin"), (manifest, "ApplicationManifest.xml"), (settings, "Config/Settings.xml"), (empty, "Data/empty.txt") })
        {
            Assert.Equal(ExplorerFixture.Sha256(file), await fixture.BlobSha256Async($"{target}/MyApp/{relative}"));
        }

        foreach (var folder in new[] { "", "/Code", "/Config", "/Data", "/Logs" })
        {
            var mark = fixture.Files.GetBlobClient($"{target}/MyApp{folder}/_.dir");
            Assert.True((await mark.ExistsAsync()).Value, $"_.dir in MyApp{folder}");
            Assert.Equal(0, (await mark.GetPropertiesAsync()).Value.ContentLength);
        }

        // Chunked through a session (4 MiB chunks, each with Content-MD5), nothing sent twice.
        Assert.Equal(50 * MiB, fixture.Proxy.BodyBytes($"{target}/MyApp/Code/big.bin"));
        Assert.Equal(1500, fixture.Proxy.BodyBytes($"{target}/MyApp/ApplicationManifest.xml"));
        await Expect(page.Locator($"#listing-body tr[data-path='{target}/MyApp']")).ToBeVisibleAsync();
        await Accessibility.CheckAsync(page, "upload-done", output);

        // The uploaded folder as the explorer lists it (docs/explorer.png is this view).
        await page.Locator($"#listing-body tr[data-path='{target}/MyApp']").GetByRole(AriaRole.Link, new() { Name = "MyApp", Exact = true }).ClickAsync();
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("4 folders and 2 files (1.5 KiB in files here)");
        await Expect(page.Locator($"#listing-body tr[data-path='{target}/MyApp/Code'] td").Nth(1)).ToHaveTextAsync("50.0 MiB");
        await Accessibility.CheckAsync(page, "upload-folder-listing", output);
    }

    [Fact]
    public async Task Reloading_the_page_mid_upload_and_choosing_the_file_again_sends_only_the_missing_bytes()
    {
        var size = 50 * MiB;
        var file = fixture.NewFile($"reload-{Guid.NewGuid():N}/big.bin", size, 11);
        var folder = ExplorerFixture.UniqueFolder("reload");
        var storePath = $"{folder}/big.bin";
        using var server = new ServerView(fixture.Server.Address);
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(folder);
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("This folder is empty.");

        // The first three chunks reach the server; the others stay in the browser (a network that stopped).
        var held = new ConcurrentBag<IRoute>();
        var chunks = 0;
        await page.RouteAsync(UploadChunk, async route =>
        {
            if (Interlocked.Increment(ref chunks) <= 3)
            {
                await route.ContinueAsync();
            }
            else
            {
                held.Add(route);
            }
        });
        await page.SetInputFilesAsync("#pick-files", file);
        await PageActions.WaitUntilAsync(async () => (await server.SessionAtAsync(storePath))?.Received >= 3 * ChunkSize && !held.IsEmpty,
            TimeSpan.FromSeconds(60), "three chunks on the server");

        await page.ReloadAsync();
        await page.UnrouteAllAsync(new() { Behavior = UnrouteBehavior.IgnoreErrors });

        // After the reload, from the store's root: the interrupted upload is listed with what the server has.
        await page.OpenFolderAsync("");
        var row = page.Locator($"#session-list li[data-path='{storePath}']");
        await Expect(row).ToContainTextAsync($"12.0 MiB of 50.0 MiB · interrupted; to resume, choose big.bin again in /{folder}");
        await Accessibility.CheckAsync(page, "upload-interrupted", output);
        var before = fixture.Proxy.BodyBytes(storePath);
        var received = (await server.SessionAtAsync(storePath))!.Received;
        var missing = size - received;

        // Resume… goes to the upload's folder and opens the file picker; the same file is chosen again.
        var chooser = await page.RunAndWaitForFileChooserAsync(() => row.GetByRole(AriaRole.Button, new() { Name = "Resume the upload of big.bin: choose big.bin again" }).ClickAsync());
        await Expect(page.Locator("#folder-title")).ToHaveTextAsync(folder);
        await chooser.SetFilesAsync(file);

        await Expect(page.Locator("#total-text")).ToContainTextAsync("Done: 1 of 1 files", new() { Timeout = 120_000 });
        var sentAfterReload = fixture.Proxy.BodyBytes(storePath) - before;
        output.WriteLine($"reload: {received} bytes were on the server, {missing} missing; after the reload the page sent {sentAfterReload} bytes; re-sent {sentAfterReload - missing}");
        Assert.Equal(missing, sentAfterReload);
        Assert.Equal(ExplorerFixture.Sha256(file), await fixture.BlobSha256Async(storePath));
        Assert.Null(await server.SessionAtAsync(storePath));
        await Expect(page.Locator("#session-list li")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Pause_stops_sending_and_resume_finishes_without_sending_anything_twice()
    {
        var size = 20 * MiB;
        var file = fixture.NewFile($"pause-{Guid.NewGuid():N}/package.bin", size, 21);
        var folder = ExplorerFixture.UniqueFolder("pause");
        var storePath = $"{folder}/package.bin";
        using var server = new ServerView(fixture.Server.Address);
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(folder);
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("This folder is empty.");
        var held = new ConcurrentBag<IRoute>();
        var chunks = 0;
        await page.RouteAsync(UploadChunk, async route =>
        {
            if (Interlocked.Increment(ref chunks) <= 2)
            {
                await route.ContinueAsync();
            }
            else
            {
                held.Add(route);
            }
        });
        await page.SetInputFilesAsync("#pick-files", file);
        await PageActions.WaitUntilAsync(async () => (await server.SessionAtAsync(storePath))?.Received >= 2 * ChunkSize && !held.IsEmpty,
            TimeSpan.FromSeconds(60), "two chunks on the server");

        await page.ClickAsync("#pause");

        await Expect(page.Locator("#total-text")).ToContainTextAsync("Paused: 0 of 1 files, 8.0 MiB of 20.0 MiB");
        await Expect(page.Locator("#resume")).ToBeVisibleAsync();
        var requestsAtPause = Volatile.Read(ref chunks);
        await page.WaitForTimeoutAsync(1500);
        Assert.Equal(requestsAtPause, Volatile.Read(ref chunks)); // nothing is sent while paused
        await Accessibility.CheckAsync(page, "upload-paused", output);
        await page.UnrouteAllAsync(new() { Behavior = UnrouteBehavior.IgnoreErrors });

        await page.ClickAsync("#resume");

        await Expect(page.Locator("#total-text")).ToContainTextAsync("Done: 1 of 1 files", new() { Timeout = 120_000 });
        Assert.Equal(size, fixture.Proxy.BodyBytes(storePath));
        Assert.Equal(ExplorerFixture.Sha256(file), await fixture.BlobSha256Async(storePath));
    }

    [Fact]
    public async Task A_lost_network_is_retried_and_the_upload_completes()
    {
        var size = 12 * MiB;
        var file = fixture.NewFile($"flaky-{Guid.NewGuid():N}/flaky.bin", size, 31);
        var folder = ExplorerFixture.UniqueFolder("flaky");
        var storePath = $"{folder}/flaky.bin";
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(folder);
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("This folder is empty.");
        var failures = 0;
        await page.RouteAsync(UploadChunk, async route =>
        {
            // The first two chunk requests die on the network before reaching the server.
            if (Interlocked.Increment(ref failures) <= 2)
            {
                await route.AbortAsync("connectionreset");
            }
            else
            {
                await route.ContinueAsync();
            }
        });

        await page.SetInputFilesAsync("#pick-files", file);

        await Expect(page.Locator("#total-text")).ToContainTextAsync("Done: 1 of 1 files", new() { Timeout = 120_000 });
        Assert.True(Volatile.Read(ref failures) >= 2 + 3);
        Assert.Equal(size, fixture.Proxy.BodyBytes(storePath));
        Assert.Equal(ExplorerFixture.Sha256(file), await fixture.BlobSha256Async(storePath));
    }

    [Fact]
    public async Task Going_offline_mid_upload_waits_for_the_network_and_then_finishes_without_sending_anything_twice()
    {
        var size = 16 * MiB;
        var file = fixture.NewFile($"offline-{Guid.NewGuid():N}/offline.bin", size, 61);
        var folder = ExplorerFixture.UniqueFolder("offline");
        var storePath = $"{folder}/offline.bin";
        using var server = new ServerView(fixture.Server.Address);
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(folder);
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("This folder is empty.");
        var held = new ConcurrentQueue<IRoute>();
        var chunks = 0;
        await page.RouteAsync(UploadChunk, async route =>
        {
            if (Interlocked.Increment(ref chunks) <= 1)
            {
                await route.ContinueAsync();
            }
            else
            {
                held.Enqueue(route);
            }
        });
        await page.SetInputFilesAsync("#pick-files", file);
        await PageActions.WaitUntilAsync(async () => (await server.SessionAtAsync(storePath))?.Received >= ChunkSize && !held.IsEmpty,
            TimeSpan.FromSeconds(60), "one chunk on the server");

        // The Wi-Fi goes: the browser is offline and the requests on the way fail.
        await page.Context.SetOfflineAsync(true);
        while (held.TryDequeue(out var route))
        {
            await route.AbortAsync("internetdisconnected");
        }

        await Expect(page.Locator($"#upload-list li[data-path='{storePath}']")).ToContainTextAsync("offline; waiting for the network");
        await page.UnrouteAllAsync(new() { Behavior = UnrouteBehavior.IgnoreErrors });
        await page.Context.SetOfflineAsync(false);

        await Expect(page.Locator("#total-text")).ToContainTextAsync("Done: 1 of 1 files", new() { Timeout = 120_000 });
        Assert.Equal(size, fixture.Proxy.BodyBytes(storePath));
        Assert.Equal(ExplorerFixture.Sha256(file), await fixture.BlobSha256Async(storePath));
    }

    [Fact]
    public async Task The_folder_picker_uploads_a_folder_with_its_marks()
    {
        var local = Path.Combine(fixture.Scratch, $"picked-{Guid.NewGuid():N}", "Pkg");
        var a = fixture.NewFile(Path.Combine(local, "a.txt"), 100, 41);
        var b = fixture.NewFile(Path.Combine(local, "Sub", "b.txt"), 5 * MiB, 42);
        var target = ExplorerFixture.UniqueFolder("picked");
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(target);
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("This folder is empty.");

        await page.SetInputFilesAsync("#pick-folder", local);

        await Expect(page.Locator("#total-text")).ToContainTextAsync("Done: 2 of 2 files", new() { Timeout = 120_000 });
        Assert.Equal(ExplorerFixture.Sha256(a), await fixture.BlobSha256Async($"{target}/Pkg/a.txt"));
        Assert.Equal(ExplorerFixture.Sha256(b), await fixture.BlobSha256Async($"{target}/Pkg/Sub/b.txt"));
        Assert.True(await fixture.BlobExistsAsync($"{target}/Pkg/_.dir"));
        Assert.True(await fixture.BlobExistsAsync($"{target}/Pkg/Sub/_.dir"));
    }
}
