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
/// speaks a newer x-ms-version than Azurite knows). Stopped by its PID; and it never outlives the process that
/// started it, even one killed with SIGKILL: a watchdog preloaded into node (<see cref="Watchdog"/>) ends Azurite
/// as soon as its parent is gone or its stdin pipe from the parent closes.
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

    /// <summary>The environment variable that tells the watchdog which process to outlive no longer than.</summary>
    public const string ParentPidVariable = "BLOBIMAGESTORE_AZURITE_PARENT_PID";

    /// <summary>
    /// Preloaded into Azurite's node process: it exits when its parent is gone. On Linux and macOS an orphan is
    /// re-parented, so its <c>ppid</c> changes; on every platform signal 0 to the parent's PID fails once it has exited;
    /// and the parent holds the write end of the child's stdin, which the kernel closes when the parent dies, however it
    /// dies. Checked every 250 ms, and at once on stdin's end.
    /// </summary>
    public const string Watchdog = """
        const parent = Number(process.env.BLOBIMAGESTORE_AZURITE_PARENT_PID);
        if (parent > 0) {
          const gone = () => {
            if (process.platform !== 'win32' && process.ppid !== parent) return true;
            try { process.kill(parent, 0); return false; } catch (e) { return e.code === 'ESRCH'; }
          };
          const check = () => { if (gone()) process.exit(0); };
          check();
          setInterval(check, 250).unref();
          process.stdin.on('end', () => process.exit(0));
          process.stdin.on('error', () => process.exit(0));
          process.stdin.resume();
        }
        """;

    private static readonly string WatchdogImport =
        "data:text/javascript;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Watchdog));

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
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment[ParentPidVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var arg in new[]
                 {
                     "--import", WatchdogImport, main, "--blobHost", "127.0.0.1", "--blobPort", options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
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

    /// <summary>Adopts an Azurite this process did not start (it is never stopped by this instance).</summary>
    public static AzuriteProcess Running(int port) => new(port, null);

    /// <summary>Whether something listens on the loopback port.</summary>
    public static Task<bool> IsPortInUseAsync(int port, CancellationToken cancellationToken) => IsListeningAsync(port, cancellationToken);

    /// <summary>Whether what listens on the port answers HTTP as Azurite's blob service does (its <c>Server</c> header).</summary>
    public static async Task<bool> IsAzuriteAsync(int port, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/{AccountName}?comp=list"), cancellationToken);
            return response.Headers.Server.ToString().Contains("Azurite-Blob", StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
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
