using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BlobImageStore.Server.Hosting;

/// <summary>Where and how to run Azurite's blob service.</summary>
public sealed record AzuriteOptions
{
    /// <summary>Folder of the repo's <c>node_modules</c>; found by walking up from the app when null.</summary>
    public string? ToolsRoot { get; init; }

    public int Port { get; init; } = 10000;

    /// <summary>Azurite's data folder (ignored with <see cref="InMemory"/>).</summary>
    public required string Location { get; init; }

    public bool InMemory { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Azurite's blob service from the repo's npm lock, started as a child process with telemetry off (without it,
/// Azurite reaches for an outside address and lingers after SIGTERM) and the API-version check off (the SDK
/// speaks a newer x-ms-version than Azurite knows). Stopped by its PID.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development key (public, documented; used for the emulator only).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process? _process;

    private AzuriteProcess(int port, Process? process)
    {
        Port = port;
        _process = process;
    }

    public int Port { get; }

    /// <summary>PID of the Azurite process this instance started; null when it reused one already running.</summary>
    public int? ProcessId => _process?.Id;

    public string ConnectionString => ConnectionStringFor(Port);

    public static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{port}/{AccountName};";

    /// <summary>Starts Azurite, or reuses one already listening on the port when <paramref name="reuseRunning"/>.</summary>
    public static async Task<AzuriteProcess> StartAsync(AzuriteOptions options, bool reuseRunning, CancellationToken cancellationToken)
    {
        if (await IsListeningAsync(options.Port, cancellationToken))
        {
            return reuseRunning
                ? new AzuriteProcess(options.Port, null)
                : throw new InvalidOperationException($"Port {options.Port} is already in use; choose another for Azurite.");
        }

        var main = FindAzurite(options.ToolsRoot);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     main, "--blobHost", "127.0.0.1", "--blobPort", options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--disableTelemetry", "--skipApiVersionCheck", "--silent",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        if (options.InMemory)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(options.Location);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(options.Location);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started; install Node.js.");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var azurite = new AzuriteProcess(options.Port, process);
        var deadline = Stopwatch.StartNew();
        while (!await IsListeningAsync(options.Port, cancellationToken))
        {
            if (process.HasExited || deadline.Elapsed > options.StartTimeout)
            {
                await azurite.DisposeAsync();
                string log;
                lock (output)
                {
                    log = output.ToString();
                }

                throw new InvalidOperationException($"Azurite did not start on port {options.Port}: {log}");
            }

            await Task.Delay(100, cancellationToken);
        }

        return azurite;
    }

    /// <summary>A free TCP port on the loopback address.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The repo folder holding <c>node_modules/azurite</c>, walking up from <paramref name="start"/>, the app and the working folder.</summary>
    public static string? FindToolsRoot(string? start = null)
    {
        foreach (var origin in new[] { start, AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = origin is null ? null : new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "node_modules", "azurite", "package.json")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static string FindAzurite(string? toolsRoot)
    {
        var root = toolsRoot ?? FindToolsRoot()
            ?? throw new InvalidOperationException("Azurite is not installed: run 'npm ci' in the repository root (the build does it when node_modules is missing).");
        return Path.Combine(root, "node_modules", "azurite", "dist", "src", "blob", "main.js");
    }

    private static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
