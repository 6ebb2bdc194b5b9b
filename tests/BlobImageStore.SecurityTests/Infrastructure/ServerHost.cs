using System.Diagnostics;
using System.Text;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.SecurityTests.Infrastructure;

/// <summary>
/// The self-hosted server as a child process, started the way an operator starts it: command-line arguments and
/// environment variables only (<c>ImageStore__Security__…</c>, <c>Kestrel__Endpoints__…</c>). Ready when
/// <c>/$/GetAadMetadata</c> (served without authentication) answers; killed by its PID on dispose.
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerHost(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the server; <paramref name="address"/> is the URL to probe (and <c>--urls</c> unless <paramref name="urls"/> says otherwise).</summary>
    public static async Task<ServerHost> StartAsync(Uri address, IReadOnlyDictionary<string, string> environment, string? urls = null, bool waitReady = true)
    {
        var server = Launch(address, environment, urls ?? address.ToString().TrimEnd('/'));
        if (waitReady)
        {
            await server.WaitReadyAsync();
        }

        return server;
    }

    /// <summary>Starts the server and waits for it to exit (a start that must be refused).</summary>
    public static async Task<ServerHost> RunToExitAsync(IReadOnlyDictionary<string, string> environment, string? urls, TimeSpan limit)
    {
        var server = Launch(new Uri("http://127.0.0.1:9"), environment, urls);
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await server._process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Still running: the caller sees HasExited false.
        }

        return server;
    }

    private static ServerHost Launch(Uri address, IReadOnlyDictionary<string, string> environment, string? urls)
    {
        var dll = Path.Combine(RepoPaths.Root, "src", "BlobImageStore.Server", "bin", RepoPaths.Configuration, "net10.0", "BlobImageStore.Server.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        if (urls is not null)
        {
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add(urls);
        }

        // Only what the test gives: no ASPNETCORE_URLS or ports inherited from the machine.
        foreach (var name in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__BlobImageStore"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var server = new ServerHost(process, address);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private async Task WaitReadyAsync()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var probe = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited at start ({_process.ExitCode}):\n" + Output);
            }

            try
            {
                using var response = await probe.GetAsync(new Uri(Address, "/$/GetAadMetadata?api-version=1.0"));
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
