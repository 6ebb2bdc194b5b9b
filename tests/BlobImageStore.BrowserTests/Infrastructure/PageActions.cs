using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace BlobImageStore.BrowserTests.Infrastructure;

public static class PageActions
{
    /// <summary>The explorer page at a store folder ('' for the root).</summary>
    public static Task<IResponse?> OpenFolderAsync(this IPage page, string folder) =>
        page.GotoAsync("/Explorer/index.html#/" + string.Join('/', folder.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.EscapeDataString)));

    /// <summary>
    /// A real drop of local files or folders on an element, as the operating system delivers one (Chromium's
    /// Input.dispatchDragEvent with file paths): the page sees FileSystemEntry objects, folders included.
    /// </summary>
    public static async Task DropAsync(this IPage page, string selector, params string[] paths)
    {
        var target = page.Locator(selector);
        await target.ScrollIntoViewIfNeededAsync();
        var box = await target.BoundingBoxAsync() ?? throw new InvalidOperationException($"{selector} is not visible");
        var cdp = await page.Context.NewCDPSessionAsync(page);
        var data = new Dictionary<string, object> { ["items"] = Array.Empty<object>(), ["files"] = paths, ["dragOperationsMask"] = 1 };
        foreach (var type in new[] { "dragEnter", "dragOver", "drop" })
        {
            await cdp.SendAsync("Input.dispatchDragEvent", new Dictionary<string, object>
            {
                ["type"] = type,
                ["x"] = box.X + (box.Width / 2),
                ["y"] = box.Y + Math.Min(20, box.Height / 2),
                ["data"] = data,
            });
        }

        await cdp.DetachAsync();
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}.");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>The server's own view of upload sessions (straight to the server, not through the proxy or the page).</summary>
public sealed class ServerView(Uri server) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = server };

    public sealed record Session(Guid SessionId, long FileSize, long Received);

    public async Task<Session?> SessionAtAsync(string storePath)
    {
        using var response = await _http.GetAsync($"/ImageStore/{storePath}/$/GetUploadSession?api-version=6.0");
        return await ParseAsync(response);
    }

    public async Task<Session?> SessionAsync(Guid id)
    {
        using var response = await _http.GetAsync($"/ImageStore/$/GetUploadSession?api-version=6.0&session-id={id}");
        return await ParseAsync(response);
    }

    public async Task PutChunkAsync(string storePath, Guid session, long first, long last, long size, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Range", $"bytes {first}-{last}/{size}");
        using var response = await _http.PutAsync($"/ImageStore/{storePath}/$/UploadChunk?api-version=6.0&session-id={session}", content);
        response.EnsureSuccessStatusCode();
    }

    public async Task DeleteSessionAsync(Guid session)
    {
        using var response = await _http.DeleteAsync($"/ImageStore/$/DeleteUploadSession?api-version=6.0&session-id={session}");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The FabricError of a request, as the server answers it to anyone.</summary>
    public async Task<(HttpStatusCode Status, string Code, string Message)> ErrorOfAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("Error");
        return (response.StatusCode, error.GetProperty("Code").GetString()!, error.GetProperty("Message").GetString()!);
    }

    public async Task<JsonDocument> ListAsync(string storePath, string? token = null)
    {
        var url = $"/ImageStore/{storePath}?api-version=6.2" + (token is null ? "" : "&ContinuationToken=" + Uri.EscapeDataString(token));
        return JsonDocument.Parse(await _http.GetStringAsync(url));
    }

    private static async Task<Session?> ParseAsync(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var s = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("UploadSessions")[0];
        var size = long.Parse(s.GetProperty("FileSize").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var missing = s.GetProperty("ExpectedRanges").EnumerateArray()
            .Sum(r => long.Parse(r.GetProperty("EndPosition").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                      - long.Parse(r.GetProperty("StartPosition").GetString()!, System.Globalization.CultureInfo.InvariantCulture) + 1);
        return new Session(Guid.Parse(s.GetProperty("SessionId").GetString()!), size, size == 0 ? 0 : size - missing);
    }

    public void Dispose() => _http.Dispose();
}
