using System.Diagnostics;
using System.Text;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.IntegrationTests.Infrastructure;

/// <summary>
/// The server process as a user starts it: any working folder, any arguments and environment, the logging of its own
/// appsettings.json (unlike <see cref="ServerProcess"/>, which quiets it). Ready when <c>/healthz</c> answers; the
/// output is kept line by line. Stopped with SIGTERM (graceful) or SIGKILL, always by its own PID only.
/// </summary>
public sealed class LaunchedServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private LaunchedServer(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToList();
            }
        }
    }

    public string Output => string.Join('\n', Lines);

    public static string ServerDll => Path.Combine(RepoPaths.Root, "src", "BlobImageStore.Server", "bin", RepoPaths.Configuration, "net10.0", "BlobImageStore.Server.dll");

    /// <summary>Starts the server; waits until <c>/healthz</c> answers or the process exits (then the caller reads <see cref="Output"/>).</summary>
    public static async Task<LaunchedServer> StartAsync(
        IReadOnlyDictionary<string, string?> environment, string workingDirectory, int? port = null, IEnumerable<string>? arguments = null)
    {
        var address = new Uri($"http://127.0.0.1:{port ?? AzuriteProcess.FreePort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(ServerDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString().TrimEnd('/'));
        foreach (var argument in arguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing of the test runner's own settings leaks in.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ImageStore__", StringComparison.Ordinal) || k.StartsWith("Logging__", StringComparison.Ordinal)
                                                              || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("Azurite__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var server = new LaunchedServer(process, address);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                process.WaitForExit(); // flushes the output handlers
                return server;
            }

            try
            {
                using var response = await probe.GetAsync(new Uri(address, "/healthz"));
                return server;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException("The server did not answer /healthz within 90 s:\n" + server.Output);
    }

    /// <summary>Waits for a line containing <paramref name="text"/> (log lines are written asynchronously).</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException($"No line with '{text}' in:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL of the server process alone (not its children): what a crash or an OOM kill does.</summary>
    public void KillServerOnly()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, as Ctrl+C or a service manager stops it; waits for the exit.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    /// <summary>Whether a process is still running (a zombie, exited but not yet reaped, counts as gone).</summary>
    public static bool IsRunning(int pid)
    {
        var status = $"/proc/{pid}/status";
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return !File.ReadLines(status).Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z'));
            }
            catch (IOException)
            {
                return false;
            }
        }

        try
        {
            return !Process.GetProcessById(pid).HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
