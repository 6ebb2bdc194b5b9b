using BlobImageStore.BrowserTests.Infrastructure;
using BlobImageStore.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlobImageStore.BrowserTests;

/// <summary>Browsing: tree, listing (every page of it), breadcrumbs, sizes, store info, the empty store, a narrow window.</summary>
[Collection(ExplorerCollection.Name)]
public sealed class BrowseTests(ExplorerFixture fixture, ITestOutputHelper output)
{
    private async Task PutAsync(string path, int size)
    {
        await fixture.Files.GetBlobClient(path).UploadAsync(new BinaryData(new byte[size]), overwrite: true);
    }

    [Fact]
    public async Task Nested_folders_show_in_the_tree_and_the_listing_with_breadcrumbs_sizes_file_counts_and_times()
    {
        var root = ExplorerFixture.UniqueFolder("browse");
        await PutAsync($"{root}/App/ApplicationManifest.xml", 1000);
        await PutAsync($"{root}/App/Code/Service.dll", 300 * 1024);
        await PutAsync($"{root}/App/Code/Deep/notes.txt", 10);
        await PutAsync($"{root}/App/Config/Settings.xml", 200);
        await PutAsync($"{root}/readme.txt", 5);
        var page = await fixture.NewPageAsync();

        await page.OpenFolderAsync(root);

        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("1 folder and 1 file (5 bytes in files here)");
        var app = page.Locator($"#listing-body tr[data-path='{root}/App']");
        await Expect(app.Locator("td").Nth(2)).ToHaveTextAsync("4");
        await Expect(app.Locator("td").Nth(1)).ToHaveTextAsync("301.2 KiB"); // $/FolderSize: 1000 + 307200 + 10 + 200 bytes
        await Expect(page.Locator($"#listing-body tr[data-path='{root}/readme.txt'] td").Nth(3)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"));

        await app.GetByRole(AriaRole.Link, new() { Name = "App" }).ClickAsync();
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("2 folders and 1 file (1000 bytes in files here)");
        await Expect(page.Locator("#crumbs li")).ToHaveTextAsync(["Image store", root, "App"]);
        await Expect(page.Locator("#crumbs a[aria-current=page]")).ToHaveTextAsync("App");
        // The tree opened down to the folder shown, and lists its sub-folders.
        await Expect(page.Locator($"#tree li[data-path='{root}/App/Code'] > .tree-row a")).ToBeVisibleAsync();
        await Expect(page.Locator($"#tree li[data-path='{root}/App'] > .tree-row a")).ToHaveAttributeAsync("aria-current", "page");

        // A click in the tree once it is complete: a listing still out (the store root's, from the first view) may
        // insert rows above the link and move it between press and release.
        await Expect(page.Locator("#tree")).ToHaveAttributeAsync("aria-busy", "false");
        await page.Locator($"#tree li[data-path='{root}/App/Code'] > .tree-row a").ClickAsync();
        await Expect(page.Locator($"#listing-body tr[data-path='{root}/App/Code/Service.dll'] td").Nth(1)).ToHaveTextAsync("300.0 KiB");
        await Expect(page.Locator($"#listing-body tr[data-path='{root}/App/Code/Deep']")).ToBeVisibleAsync();
        await Accessibility.CheckAsync(page, "browse-folder", output);

        await page.Locator("#crumbs").GetByRole(AriaRole.Link, new() { Name = root }).ClickAsync();
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("1 folder and 1 file (5 bytes in files here)");
    }

    /// <summary>
    /// The store root's listing for the tree comes in while the mouse button is down on a folder of the tree (the
    /// press and the release are two input events; a slow network or a busy machine puts anything between them). The
    /// release must still open the folder: the tree is filled in without taking out the rows that stay.
    /// </summary>
    [Fact]
    public async Task A_click_on_a_tree_folder_opens_it_even_when_the_tree_fills_in_between_press_and_release()
    {
        // A store of its own, so that its root holds exactly these folders and nothing sorts above the one clicked.
        var name = Guid.NewGuid().ToString("N")[..8];
        await using var server = await ServerProcess.StartAsync(fixture.Azurite.ConnectionString, new Dictionary<string, string>
        {
            ["ImageStore__Container"] = $"click{name}",
            ["ImageStore__SessionContainer"] = $"click{name}-sessions",
        });
        var files = new Azure.Storage.Blobs.BlobServiceClient(fixture.Azurite.ConnectionString).GetBlobContainerClient($"click{name}");
        await files.CreateIfNotExistsAsync();
        await files.GetBlobClient("deploy/App/a.txt").UploadAsync(BinaryData.FromString("a"));
        await files.GetBlobClient("later/b.txt").UploadAsync(BinaryData.FromString("b"));
        var context = await fixture.Browser.NewContextAsync(new() { BaseURL = server.Address.ToString(), ViewportSize = new() { Width = 1280, Height = 800 } });
        var page = await fixture.NewPageAsync(context: context);
        var rootListing = new TaskCompletionSource<IRoute>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(new System.Text.RegularExpressions.Regex(@"/ImageStore\?"), route =>
        {
            rootListing.TrySetResult(route); // held: the tree's listing of the store root, until the button is down
            return Task.CompletedTask;
        });

        await page.OpenFolderAsync("deploy");
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("1 folder and 0 files (0 bytes in files here)");
        var app = page.Locator("#tree li[data-path='deploy/App'] > .tree-row a");
        await Expect(app).ToBeVisibleAsync();
        var held = await rootListing.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the root's listing is still out
        await app.HoverAsync();
        var pressedAt = await app.BoundingBoxAsync();
        await page.Mouse.DownAsync();

        await held.ContinueAsync();
        await Expect(page.Locator("#tree li[data-path='later'] > .tree-row a")).ToBeVisibleAsync(); // it came in
        var box = await app.BoundingBoxAsync();
        Assert.Equal((pressedAt!.X, pressedAt.Y), (box!.X, box.Y)); // nothing moved under the pointer: only the click's fate is tested
        await page.Mouse.UpAsync();

        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("0 folders and 1 file (1 byte in files here)");
        await Expect(page.Locator("#folder-title")).ToHaveTextAsync("App");
        await context.CloseAsync();
    }

    [Fact]
    public async Task A_folder_of_2500_files_is_shown_whole_across_every_listing_page()
    {
        var root = ExplorerFixture.UniqueFolder("big");
        await Parallel.ForEachAsync(Enumerable.Range(0, 2500), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (i, _) => await PutAsync($"{root}/Many/f{i:D4}.txt", 1));
        using var server = new ServerView(fixture.Server.Address);
        using var first = await server.ListAsync($"{root}/Many");
        Assert.True(first.RootElement.TryGetProperty("ContinuationToken", out _), "the listing must span several pages for this test to mean anything");

        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync($"{root}/Many");

        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("0 folders and 2,500 files (2.4 KiB in files here)", new() { Timeout = 60_000 });
        await Expect(page.Locator("#listing-body tr")).ToHaveCountAsync(2500);
        await Expect(page.Locator($"#listing-body tr[data-path='{root}/Many/f0000.txt']")).ToHaveCountAsync(1);
        await Expect(page.Locator($"#listing-body tr[data-path='{root}/Many/f2499.txt']")).ToHaveCountAsync(1);
        // The same view as browse-folder (checked by axe there); axe over 2,500 rows takes minutes on 2 cores.
        await Accessibility.ScreenshotAsync(page, "browse-2500-files");

        await page.OpenFolderAsync(root);
        await Expect(page.Locator($"#listing-body tr[data-path='{root}/Many'] td").Nth(2)).ToHaveTextAsync("2,500");
    }

    [Fact]
    public async Task The_store_info_view_shows_capacity_and_usage()
    {
        await PutAsync($"{ExplorerFixture.UniqueFolder("info")}/a.bin", 2048);
        var page = await fixture.NewPageAsync();

        await page.GotoAsync("/Explorer/index.html#/$/Info");

        await Expect(page.Locator("#info-status")).ToHaveTextAsync("Read from /ImageStore/$/Info and $/FolderSize.");
        await Expect(page.Locator("#info-body tr")).ToHaveCountAsync(7);
        await Expect(page.Locator("#info-body tr").Nth(1)).ToContainTextAsync("Capacity (account limit)5.0 PiB");
        await Expect(page.Locator("#nav-info")).ToHaveAttributeAsync("aria-current", "page");
        await Accessibility.CheckAsync(page, "store-info", output);
    }

    [Fact]
    public async Task An_empty_store_shows_an_empty_store_not_an_error()
    {
        var name = Guid.NewGuid().ToString("N")[..8];
        await using var empty = await ServerProcess.StartAsync(fixture.Azurite.ConnectionString, new Dictionary<string, string>
        {
            ["ImageStore__Container"] = $"empty{name}",
            ["ImageStore__SessionContainer"] = $"empty{name}-sessions",
        });
        var context = await fixture.Browser.NewContextAsync(new() { BaseURL = empty.Address.ToString(), ViewportSize = new() { Width = 1280, Height = 800 } });
        var page = await fixture.NewPageAsync(context: context);

        await page.GotoAsync("/");

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Explorer/index.html$"));
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("The store is empty.");
        await Expect(page.Locator("#empty")).ToBeVisibleAsync();
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
        await Accessibility.CheckAsync(page, "empty-store", output);
    }

    [Fact]
    public async Task A_narrow_window_shows_the_same_page_stacked_and_accessible()
    {
        var root = ExplorerFixture.UniqueFolder("narrow");
        await PutAsync($"{root}/App/a.txt", 3);
        var page = await fixture.NewPageAsync(width: 390, height: 844);

        await page.OpenFolderAsync(root);

        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("1 folder and 0 files (0 bytes in files here)");
        var tree = await page.Locator(".tree").BoundingBoxAsync();
        var main = await page.Locator("main").BoundingBoxAsync();
        Assert.True(main!.Y >= tree!.Y + tree.Height - 1, "the folder tree stacks above the listing");
        Assert.True(main.Width <= 390);
        await Expect(page.Locator("#upload-files")).ToBeInViewportAsync();
        await Accessibility.CheckAsync(page, "narrow-window", output);
    }
}
