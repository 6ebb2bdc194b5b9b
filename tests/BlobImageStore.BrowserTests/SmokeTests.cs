using BlobImageStore.BrowserTests.Infrastructure;
using Microsoft.Playwright;

namespace BlobImageStore.BrowserTests;

[Collection(ExplorerCollection.Name)]
public sealed class SmokeTests(ExplorerFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Page_loads()
    {
        var page = await fixture.NewPageAsync();
        var messages = new List<string>();
        page.Console += (_, m) => messages.Add(m.Type + ": " + m.Text);
        page.PageError += (_, e) => messages.Add("error: " + e);
        await page.GotoAsync("/");
        await page.WaitForTimeoutAsync(2000);
        output.WriteLine(await page.Locator("body").InnerTextAsync());
        foreach (var m in messages) output.WriteLine(m);
        await Accessibility.CheckAsync(page, "smoke", output);
    }
}
