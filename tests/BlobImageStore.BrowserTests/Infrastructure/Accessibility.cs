using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace BlobImageStore.BrowserTests.Infrastructure;

/// <summary>axe on the page as it is now: the serious and critical violations (which must be none), and a screenshot.</summary>
public static class Accessibility
{
    /// <summary>A screenshot of the viewport, in the test output folder's <c>screenshots/</c>.</summary>
    public static Task ScreenshotAsync(IPage page, string view) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ExplorerFixture.Screenshots, view + ".png") });

    public static async Task<AxeResult> CheckAsync(IPage page, string view, ITestOutputHelper output)
    {
        await ScreenshotAsync(page, view);
        var result = await page.RunAxe();
        var blocking = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        output.WriteLine($"axe {view}: {result.Passes.Length} rules passed, {result.Violations.Length} violations ({blocking.Count} serious or critical), {result.Incomplete.Length} to review");
        foreach (var v in result.Violations)
        {
            output.WriteLine($"  {v.Impact} {v.Id}: {v.Help} ({string.Join("; ", v.Nodes.Take(3).Select(n => string.Join(" ", n.Target)))})");
        }

        File.AppendAllText(Path.Combine(ExplorerFixture.Screenshots, "axe.txt"),
            $"{view}: {result.Passes.Length} passed, {result.Violations.Length} violations, {blocking.Count} serious or critical{Environment.NewLine}");
        Assert.True(blocking.Count == 0,
            $"{view}: " + string.Join("\n", blocking.Select(v => $"{v.Impact} {v.Id}: {v.Help} at {string.Join("; ", v.Nodes.Select(n => string.Join(" ", n.Target)))}")));
        return result;
    }
}
