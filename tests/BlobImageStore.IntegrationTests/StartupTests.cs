using System.Net;
using System.Net.Sockets;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// Starting the server as a user does (issue 15, items 2 and 3): from any folder, with the embedded Azurite, on busy
/// ports. Each test starts its own server process (and, where it says so, its own Azurite) on free ports.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class StartupTests(StoreFixture store)
{
    [Fact]
    public async Task Appsettings_are_read_when_the_server_is_started_from_another_folder()
    {
        var elsewhere = Directory.CreateTempSubdirectory("blobimagestore-cwd-").FullName;
        try
        {
            await using var server = await LaunchedServer.StartAsync(new Dictionary<string, string?> { ["ImageStore__Storage"] = store.Azurite.ConnectionString }, elsewhere);
            using var api = new ImageStoreApi(server.Address);
            await api.PutFileOkAsync(TestData.NewPath(), [1, 2, 3]);

            // appsettings.json sets Azure.Core to Error: without it every storage call is logged at Information.
            await server.WaitForLineAsync("UploadFile");
            Assert.DoesNotContain(server.Lines, l => l.StartsWith("info: Azure.Core", StringComparison.Ordinal));
            Assert.Contains(server.Lines, l => l.Contains("Content root path: " + Path.GetDirectoryName(LaunchedServer.ServerDll), StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public async Task The_embedded_Azurite_ends_within_seconds_after_the_server_is_killed_with_sigkill()
    {
        var data = Directory.CreateTempSubdirectory("blobimagestore-embedded-").FullName;
        var azuritePort = AzuriteProcess.FreePort();
        try
        {
            await using var server = await LaunchedServer.StartAsync(new Dictionary<string, string?>(), data,
                arguments: [$"--Azurite:Port={azuritePort}", $"--Azurite:Location={Path.Combine(data, "azurite")}"]);
            var line = await server.WaitForLineAsync("started Azurite");
            Assert.Contains($"127.0.0.1:{azuritePort}", line);
            var azuritePid = int.Parse(System.Text.RegularExpressions.Regex.Match(line, @"pid (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(LaunchedServer.IsRunning(azuritePid));
            using (var api = new ImageStoreApi(server.Address))
            {
                await api.PutFileOkAsync(TestData.NewPath(), [1]);
            }

            server.KillServerOnly();

            var gone = await EventuallyAsync(() => !LaunchedServer.IsRunning(azuritePid) && !Listening(azuritePort), TimeSpan.FromSeconds(10));
            Assert.True(gone, $"Azurite (pid {azuritePid}) still runs after the server was killed");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task The_embedded_Azurite_stops_with_the_server_on_sigterm()
    {
        var data = Directory.CreateTempSubdirectory("blobimagestore-embedded-").FullName;
        var azuritePort = AzuriteProcess.FreePort();
        try
        {
            await using var server = await LaunchedServer.StartAsync(new Dictionary<string, string?>(), data,
                arguments: [$"--Azurite:Port={azuritePort}", $"--Azurite:Location={Path.Combine(data, "azurite")}"]);
            await server.WaitForLineAsync("started Azurite");

            await server.StopAsync();

            Assert.Equal(0, server.ExitCode);
            Assert.True(await EventuallyAsync(() => !Listening(azuritePort), TimeSpan.FromSeconds(10)), "Azurite still listens after the server stopped");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task An_Azurite_the_server_did_not_start_is_announced_and_left_running()
    {
        await using var azurite = await TestAzurite.StartAsync("adopted", inMemory: true);
        var folder = Directory.CreateTempSubdirectory("blobimagestore-adopt-").FullName;
        try
        {
            await using var server = await LaunchedServer.StartAsync(new Dictionary<string, string?>(), folder,
                arguments: [$"--Azurite:Port={azurite.Process.Port}"]);
            var line = await server.WaitForLineAsync("ImageStore:Storage is not set");
            Assert.Contains("already running", line);
            Assert.Contains("not started by this server", line);

            await server.StopAsync();

            Assert.True(Listening(azurite.Process.Port), "the adopted Azurite was stopped by the server");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_busy_server_port_is_one_line_naming_urls()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        await using var server = await LaunchedServer.StartAsync(new Dictionary<string, string?> { ["ImageStore__Storage"] = store.Azurite.ConnectionString },
            Path.GetTempPath(), port);

        Assert.True(server.HasExited);
        Assert.Equal(1, server.ExitCode);
        var line = Assert.Single(server.Lines, l => l.Length > 0);
        Assert.Contains("--urls", line);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), line);
    }

    [Fact]
    public async Task A_busy_Azurite_port_held_by_something_else_is_one_line_naming_the_setting()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        await using var server = await LaunchedServer.StartAsync(new Dictionary<string, string?>(), Path.GetTempPath(),
            arguments: [$"--Azurite:Port={port}"]);

        Assert.True(server.HasExited);
        Assert.Equal(1, server.ExitCode);
        var line = Assert.Single(server.Lines, l => l.Length > 0);
        Assert.Contains("Azurite:Port", line);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), line);
    }

    private static bool Listening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (deadline.Elapsed < within)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return condition();
    }
}
