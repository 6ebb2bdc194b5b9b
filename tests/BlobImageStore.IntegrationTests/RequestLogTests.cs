using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// The server's log at its default levels (its own appsettings.json), as an operator reads it (issue 15, item 2): one
/// concise line per request; expected storage answers (404 probes, 409 exists, 412 lost races) are no warnings; no
/// failure after a timed-out request; JSON lines when asked for.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class RequestLogTests(StoreFixture store)
{
    [Fact]
    public async Task A_session_upload_logs_one_line_per_request_and_no_warning()
    {
        await using var server = await LaunchedServer.StartAsync(Settings(), Path.GetTempPath());
        using var api = new ImageStoreApi(server.Address);
        var path = TestData.NewPath("logged.bin");
        var session = Guid.NewGuid();

        Assert.Null(await api.GetSessionAsync(session));                         // a 404 probe of the session record
        (await api.UploadChunkAsync(path, session, 0, 9, 20, new byte[10])).EnsureSuccessStatusCode();
        (await api.UploadChunkAsync(path, session, 10, 19, 20, new byte[10])).EnsureSuccessStatusCode();
        (await api.CommitAsync(session)).EnsureSuccessStatusCode();
        await api.PutFileOkAsync(path, [1, 2, 3]);                               // replaces it (412/409 races inside are expected)
        using (var bad = await api.Http.GetAsync($"/ImageStore/{path}?api-version=NaN")) { Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode); }

        var chunk = await server.WaitForLineAsync($"PUT UploadFileChunk /ImageStore/{path}/$/UploadChunk 200 - 10 B");
        Assert.Matches(@" \d+\.\d ms$", chunk);
        await server.WaitForLineAsync("POST CommitImageStoreUploadSession /ImageStore/$/CommitUploadSession 200 - 0 B");
        await server.WaitForLineAsync($"PUT UploadFile /ImageStore/{path} 200 - 3 B");
        await server.WaitForLineAsync($"GET GetImageStoreContent /ImageStore/{path} 400 E_INVALIDARG 0 B");
        var log = server.Lines;
        Assert.DoesNotContain(log, l => l.StartsWith("warn:", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.Contains("(null)", StringComparison.Ordinal));
        // Each request is one entry: the category line and the message line, nothing else from ASP.NET Core or Azure.
        Assert.Equal(6, log.Count(l => l.StartsWith("info: BlobImageStore.Http.ImageStoreEndpoint", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_request_cut_off_by_its_timeout_is_answered_504_and_logs_no_failure()
    {
        await using var server = await LaunchedServer.StartAsync(Settings(), Path.GetTempPath());

        // Half of a declared body, then silence: the 1 s timeout passes while the server waits for the rest.
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.Address.Port);
        var stream = client.GetStream();
        var target = $"/ImageStore/{TestData.NewPath()}?api-version=6.0&timeout=1";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"PUT {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n").Concat(new byte[50_000]).ToArray());
        // The whole answer; then the server drains the rest of the body for a few seconds and, the client staying silent,
        // ends the connection (Kestrel resets it when draining times out).
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(40))) > 0)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException) when (answer.ToString().EndsWith("0\r\n\r\n", StringComparison.Ordinal))
        {
        }

        Assert.StartsWith("HTTP/1.1 504 FABRIC_E_TIMEOUT", answer.ToString());
        Assert.EndsWith("0\r\n\r\n", answer.ToString());
        var line = await server.WaitForLineAsync($"PUT UploadFile {target.Split('?')[0]} 504 FABRIC_E_TIMEOUT ");
        Assert.Matches(@"504 FABRIC_E_TIMEOUT \d+ B \d+\.\d ms$", line);
        Assert.False(server.Lines.Any(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("warn:", StringComparison.Ordinal)), server.Output);
    }

    [Fact]
    public async Task Json_console_logs_carry_the_request_fields()
    {
        var settings = Settings();
        settings["Logging__Console__FormatterName"] = "json";
        await using var server = await LaunchedServer.StartAsync(settings, Path.GetTempPath());
        using var api = new ImageStoreApi(server.Address);
        var path = TestData.NewPath("json.bin");

        await api.PutFileOkAsync(path, new byte[7]);

        var line = await server.WaitForLineAsync("\"OperationId\":\"UploadFile\"");
        var state = JsonDocument.Parse(line).RootElement.GetProperty("State");
        Assert.Equal("PUT", state.GetProperty("Method").GetString());
        Assert.Equal($"/ImageStore/{path}", state.GetProperty("Path").GetString());
        Assert.Equal(200, state.GetProperty("Status").GetInt32());
        Assert.Equal("-", state.GetProperty("ErrorCode").GetString());
        Assert.Equal(7, state.GetProperty("BytesReceived").GetInt64());
        Assert.All(server.Lines.Where(l => l.Length > 0 && !l.StartsWith("ImageStore:", StringComparison.Ordinal)), l => JsonDocument.Parse(l).Dispose());
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["ImageStore__Storage"] = store.Azurite.ConnectionString,
        ["ImageStore__BlockSize"] = StoreFixture.BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
