using System.Text;
using BlobImageStore.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlobImageStore.BrowserTests;

/// <summary>Delete with a confirmation naming what goes, copy, server errors shown as the server wrote them, and the
/// upload sessions in progress with their received ranges.</summary>
[Collection(ExplorerCollection.Name)]
public sealed class ManageTests(ExplorerFixture fixture, ITestOutputHelper output)
{
    private async Task PutAsync(string path, string text) =>
        await fixture.Files.GetBlobClient(path).UploadAsync(BinaryData.FromString(text), overwrite: true);

    [Fact]
    public async Task Delete_asks_for_a_confirmation_naming_what_goes_and_cancel_keeps_it()
    {
        var root = ExplorerFixture.UniqueFolder("delete");
        await PutAsync($"{root}/pkg/a.txt", "a");
        await PutAsync($"{root}/pkg/b/c.txt", "c");
        await PutAsync($"{root}/other.txt", "other");
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(root);
        var delete = page.GetByRole(AriaRole.Button, new() { Name = "Delete folder pkg" });

        await delete.ClickAsync();
        var dialog = page.Locator("#confirm-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(page.Locator("#confirm-title")).ToHaveTextAsync("Delete folder pkg?");
        await Expect(page.Locator("#confirm-text")).ToContainTextAsync($"The folder /{root}/pkg and everything in it goes: 2 files");
        await Accessibility.CheckAsync(page, "delete-confirmation", output);
        await page.ClickAsync("#confirm-cancel");
        await Expect(dialog).ToBeHiddenAsync();
        Assert.True(await fixture.BlobExistsAsync($"{root}/pkg/a.txt"));

        await delete.ClickAsync();
        await page.ClickAsync("#confirm-ok");

        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("0 folders and 1 file (5 bytes in files here)");
        Assert.False(await fixture.BlobExistsAsync($"{root}/pkg/a.txt"));
        Assert.False(await fixture.BlobExistsAsync($"{root}/pkg/b/c.txt"));
        Assert.True(await fixture.BlobExistsAsync($"{root}/other.txt"));

        // A file, with the keyboard: Enter on the button, Enter on the dialog's Delete.
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete file other.txt" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#confirm-text")).ToHaveTextAsync($"The file /{root}/other.txt (5 bytes) goes. This cannot be undone.");
        await page.Locator("#confirm-ok").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("This folder is empty.");
        Assert.False(await fixture.BlobExistsAsync($"{root}/other.txt"));
    }

    [Fact]
    public async Task Copy_copies_a_file_to_the_destination_given()
    {
        var root = ExplorerFixture.UniqueFolder("copy");
        await PutAsync($"{root}/source.txt", "copy me");
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(root);

        await page.GetByRole(AriaRole.Button, new() { Name = "Copy file source.txt" }).ClickAsync();
        await Expect(page.Locator("#copy-destination")).ToHaveValueAsync($"{root}/source.txt-copy");
        await Accessibility.CheckAsync(page, "copy-dialog", output);
        await page.FillAsync("#copy-destination", $"{root}/sub/copied.txt");
        await page.ClickAsync("#copy-ok");

        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("1 folder and 1 file (7 bytes in files here)");
        Assert.Equal("copy me", (await fixture.Files.GetBlobClient($"{root}/sub/copied.txt").DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task An_error_from_the_server_is_shown_with_its_FabricError_code_and_message()
    {
        var root = ExplorerFixture.UniqueFolder("error");
        await PutAsync($"{root}/gone.txt", "soon gone");
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(root);
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("0 folders and 1 file (9 bytes in files here)");
        await fixture.Files.GetBlobClient($"{root}/gone.txt").DeleteAsync(); // behind the page's back

        await page.GetByRole(AriaRole.Button, new() { Name = "Copy file gone.txt" }).ClickAsync();
        await page.FillAsync("#copy-destination", $"{root}/copy.txt");
        await page.ClickAsync("#copy-ok");

        using var server = new ServerView(fixture.Server.Address);
        using var same = new HttpRequestMessage(HttpMethod.Post, "/ImageStore/$/Copy?api-version=6.2")
        {
            Content = new StringContent($"{{\"RemoteSource\":\"{root}/gone.txt\",\"RemoteDestination\":\"{root}/copy.txt\"}}", Encoding.UTF8, "application/json"),
        };
        var (status, code, message) = await server.ErrorOfAsync(same);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, status);
        var alert = page.GetByRole(AriaRole.Alert);
        await Expect(alert).ToBeVisibleAsync();
        await Expect(alert).ToContainTextAsync($"{code}: {message}");
        await Accessibility.CheckAsync(page, "error", output);
        await page.ClickAsync("#error-close");
        await Expect(alert).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Sessions_started_by_other_clients_anywhere_below_the_folder_show_when_it_opens_and_ended_ones_go()
    {
        const long mib = 1024 * 1024;
        var root = ExplorerFixture.UniqueFolder("elsewhere");
        using var server = new ServerView(fixture.Server.Address);
        var (deep, near, elsewhere) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await server.PutChunkAsync($"{root}/pkg/code/app.dll", deep, 0, mib - 1, 4 * mib, new byte[mib]);
        await server.PutChunkAsync($"{root}/manifest.xml", near, 0, 99, 200, new byte[100]);
        await server.PutChunkAsync($"{root}-other/x.bin", elsewhere, 0, 9, 20, new byte[10]);
        var page = await fixture.NewPageAsync();

        await page.OpenFolderAsync(root);

        var rows = page.Locator("#session-list li");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.Locator($"#session-list li[data-session='{near}']")).ToContainTextAsync("100 bytes of 200 bytes · started elsewhere");
        await Expect(page.Locator($"#session-list li[data-session='{deep}']")).ToContainTextAsync("1.0 MiB of 4.0 MiB · started elsewhere");
        await Expect(page.Locator($"#session-list li[data-session='{elsewhere}']")).ToHaveCountAsync(0);
        await page.OpenFolderAsync($"{root}/pkg");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(page.Locator($"#session-list li[data-session='{deep}']")).ToBeVisibleAsync();

        // Ended by its own client: gone from the list at the next refresh.
        await server.DeleteSessionAsync(deep);
        await Expect(rows).ToHaveCountAsync(0, new() { Timeout = 60_000 }); // the refresh every 5 s, on a loaded machine
        await Expect(page.Locator("#sessions-note")).ToContainTextAsync($"No upload session is open under /{root}/pkg");
    }

    /// <summary>
    /// The session list refreshes every 5 s. A refresh that comes in while the mouse button is down on a row's button
    /// (press and release are two input events) must not swallow the click: a row that has not changed stays the same
    /// element.
    /// </summary>
    [Fact]
    public async Task A_click_on_a_session_button_is_not_lost_to_the_refresh_every_5_s()
    {
        var root = ExplorerFixture.UniqueFolder("refresh");
        using var server = new ServerView(fixture.Server.Address);
        var id = Guid.NewGuid();
        await server.PutChunkAsync($"{root}/app.bin", id, 0, 99, 200, new byte[100]);
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(root);
        var list = page.Locator("#session-list");
        var row = page.Locator($"#session-list li[data-session='{id}']");
        await Expect(row).ToContainTextAsync("100 bytes of 200 bytes · started elsewhere");
        await Expect(list).ToHaveAttributeAsync("aria-busy", "false");
        var refresh = new TaskCompletionSource<IRoute>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(new System.Text.RegularExpressions.Regex("/ListUploadSessions"), route =>
            refresh.TrySetResult(route) ? Task.CompletedTask : route.ContinueAsync()); // the first refresh is held

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete the upload session of app.bin" }).HoverAsync();
        await page.Mouse.DownAsync();
        var held = await refresh.Task.WaitAsync(TimeSpan.FromSeconds(60)); // the next refresh is out
        await Expect(list).ToHaveAttributeAsync("aria-busy", "true");
        await held.ContinueAsync();
        await Expect(list).ToHaveAttributeAsync("aria-busy", "false"); // and its answer is on the page
        await page.Mouse.UpAsync();

        await Expect(page.Locator("#confirm-dialog")).ToBeVisibleAsync();
        await Expect(page.Locator("#confirm-text")).ToContainTextAsync($"The upload session of /{root}/app.bin and the 100 bytes it received go");
        await page.ClickAsync("#confirm-ok");
        await Expect(row).ToHaveCountAsync(0);
        Assert.Null(await server.SessionAsync(id));
    }

    [Fact]
    public async Task A_session_open_on_a_path_is_named_shown_with_its_received_ranges_and_deleted_after_confirmation()
    {
        const long mib = 1024 * 1024;
        var root = ExplorerFixture.UniqueFolder("sessions");
        var storePath = $"{root}/big.bin";
        using var server = new ServerView(fixture.Server.Address);
        var foreign = Guid.NewGuid();
        // Another uploader's session: 10 MiB, of which 0-3 MiB and 6-7 MiB arrived.
        await server.PutChunkAsync(storePath, foreign, 0, (3 * mib) - 1, 10 * mib, new byte[3 * mib]);
        await server.PutChunkAsync(storePath, foreign, 6 * mib, (7 * mib) - 1, 10 * mib, new byte[mib]);
        var local = fixture.NewFile($"sessions-{Guid.NewGuid():N}/big.bin", 10 * mib, 51);
        var page = await fixture.NewPageAsync();
        await page.OpenFolderAsync(root);
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("This folder is empty.");

        await page.SetInputFilesAsync("#pick-files", local);

        // The upload stops before touching the other session, and says why and what to do.
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync($"FABRIC_E_UPLOAD_SESSION_ID_CONFLICT: '{storePath}' has an open upload session ({foreign}");
        var row = page.Locator($"#session-list li[data-session='{foreign}']");
        await Expect(row).ToContainTextAsync("4.0 MiB of 10.0 MiB · started elsewhere");
        await Expect(row.Locator(".rangebar")).ToHaveAttributeAsync("aria-label", "4.0 MiB of 10.0 MiB received, in 2 ranges");
        await Expect(page.Locator("#sessions-note")).ToContainTextAsync($"Upload sessions open under /{root}, by any client");
        var spans = await row.Locator(".rangebar span").EvaluateAllAsync<string[]>("spans => spans.map(s => s.style.left + ' ' + s.style.width)");
        Assert.Equal(["0% 30%", "60% 10%"], spans);
        await Accessibility.CheckAsync(page, "sessions-in-progress", output);

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete the upload session of big.bin" }).ClickAsync();
        await Expect(page.Locator("#confirm-text")).ToContainTextAsync($"The upload session of /{storePath} and the 4.0 MiB it received go");
        await page.ClickAsync("#confirm-ok");

        await Expect(row).ToHaveCountAsync(0);
        Assert.Null(await server.SessionAsync(foreign));
    }
}
