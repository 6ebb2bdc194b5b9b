using System.Text.RegularExpressions;
using BlobImageStore.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlobImageStore.BrowserTests;

/// <summary>
/// A server that answers 401 (function keys; an Entra bearer token when it says <c>WWW-Authenticate: Bearer</c>): the
/// page asks once per tab, however many requests were refused together, and sends the credential on every request from
/// then on. The server has no such mode yet; the 401s here come from Chromium's request routing in front of it.
/// </summary>
[Collection(ExplorerCollection.Name)]
public sealed class CredentialTests(ExplorerFixture fixture, ITestOutputHelper output)
{
    private static readonly Regex Api = new("/ImageStore");

    [Theory]
    [InlineData("key", "x-functions-key", "secret-key", "Key")]
    [InlineData("bearer", "authorization", "Bearer eyJ0.eyJ1.sig", "Bearer token")]
    public async Task A_401_asks_once_per_tab_and_the_credential_goes_with_every_request(string mode, string header, string expected, string label)
    {
        var root = ExplorerFixture.UniqueFolder("auth");
        await fixture.Files.GetBlobClient($"{root}/App/a.txt").UploadAsync(BinaryData.FromString("a"));
        var page = await fixture.NewPageAsync();
        var refused = 0;
        var accepted = 0;
        await page.RouteAsync(Api, async route =>
        {
            if (route.Request.Headers.TryGetValue(header, out var value) && value == expected)
            {
                Interlocked.Increment(ref accepted);
                await route.ContinueAsync();
                return;
            }

            Interlocked.Increment(ref refused);
            await route.FulfillAsync(new()
            {
                Status = 401,
                Headers = mode == "bearer" ? new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer realm=\"imagestore\"" } : [],
            });
        });

        await page.OpenFolderAsync(root);

        var dialog = page.Locator("#credential-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(page.Locator("#credential-label")).ToHaveTextAsync(label);
        await Accessibility.CheckAsync(page, $"credential-{mode}", output);
        await page.FillAsync("#credential-value", expected.Replace("Bearer ", "", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Use it for this tab" }).ClickAsync();

        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("1 folder and 0 files (0 bytes in files here)");
        var refusedBefore = Volatile.Read(ref refused);
        // The listing's link: the tree's "App" comes first in the page, and the tree may still be filling in (rows
        // inserted above it move it under the pointer between press and release).
        await page.Locator($"#listing-body tr[data-path='{root}/App']").GetByRole(AriaRole.Link, new() { Name = "App", Exact = true }).ClickAsync();
        await Expect(page.Locator("#folder-summary")).ToHaveTextAsync("0 folders and 1 file (1 byte in files here)");
        await Expect(dialog).ToBeHiddenAsync();
        Assert.Equal(refusedBefore, Volatile.Read(ref refused)); // nothing refused once the tab has the credential
        Assert.True(Volatile.Read(ref accepted) >= 3);
    }
}
