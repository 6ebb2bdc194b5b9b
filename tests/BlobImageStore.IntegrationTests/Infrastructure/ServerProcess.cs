using System.Diagnostics;
using System.Text;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.IntegrationTests.Infrastructure;

/// <summary>
/// The self-hosted server as a real child process on its own port; killed (not stopped) to simulate a crash. Two ways
/// to start it: on a test Azurite with a few settings (<see cref="StartAsync(string, IReadOnlyDictionary{string, string}?, int?)"/>),
/// or as an operator starts it, from command-line arguments and environment variables only
/// (<see cref="StartAsync(Uri, IReadOnlyDictionary{string, string}, string?, bool)"/>, <see cref="RunToExitAsync"/>;
/// the security tests'). Shared as a linked file by the other test projects and the benchmark.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>Variables that would give Kestrel addresses the test did not ask for.</summary>
    private static readonly string[] UrlVariables = ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS"];

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

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

    private static string ServerDll => Path.Combine(RepoPaths.Root, "src", "BlobImageStore.Server", "bin", RepoPaths.Configuration, "net10.0", "BlobImageStore.Server.dll");

    /// <summary>On <paramref name="storageConnectionString"/>, with <paramref name="settings"/> (environment names), on <c>http://127.0.0.1:<paramref name="port"/></c> (a free one by default).</summary>
    public static async Task<ServerProcess> StartAsync(string storageConnectionString, IReadOnlyDictionary<string, string>? settings = null, int? port = null)
    {
        if (!File.Exists(ServerDll))
        {
            throw new FileNotFoundException("Build the server first (dotnet build BlobImageStore.sln).", ServerDll);
        }

        var address = new Uri($"http://127.0.0.1:{port ?? AzuriteProcess.FreePort()}");
        var environment = new Dictionary<string, string> { ["ImageStore__Storage"] = storageConnectionString };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var server = Launch(address, environment, address.ToString().TrimEnd('/'), scrubUrlVariables: false);
        await server.WaitReadyAsync("/ImageStore/$/GetUploadSession?api-version=6.0&session-id=" + Guid.NewGuid());
        return server;
    }

    /// <summary>
    /// As an operator starts it: command-line arguments and environment variables only (<c>ImageStore__Security__…</c>,
    /// <c>Kestrel__Endpoints__…</c>; no <c>ASPNETCORE_URLS</c> or ports inherited from the machine). <paramref name="address"/>
    /// is the URL to probe (http or https), and <c>--urls</c> unless <paramref name="urls"/> says otherwise; ready when
    /// <c>/$/GetAadMetadata</c> (served without authentication) answers.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(Uri address, IReadOnlyDictionary<string, string> environment, string? urls = null, bool waitReady = true)
    {
        var server = Launch(address, environment, urls ?? address.ToString().TrimEnd('/'), scrubUrlVariables: true);
        if (waitReady)
        {
            await server.WaitReadyAsync("/$/GetAadMetadata?api-version=1.0");
        }

        return server;
    }

    /// <summary>Starts the server as an operator does and waits for it to exit (a start that must be refused); still running after <paramref name="limit"/>: <see cref="HasExited"/> is false.</summary>
    public static async Task<ServerProcess> RunToExitAsync(IReadOnlyDictionary<string, string> environment, string? urls, TimeSpan limit)
    {
        var server = Launch(new Uri("http://127.0.0.1:9"), environment, urls, scrubUrlVariables: true);
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

    private static ServerProcess Launch(Uri address, IReadOnlyDictionary<string, string> environment, string? urls, bool scrubUrlVariables)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ServerDll)!,
        };
        start.ArgumentList.Add(ServerDll);
        if (urls is not null)
        {
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add(urls);
        }

        if (scrubUrlVariables)
        {
            foreach (var name in UrlVariables)
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__BlobImageStore"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var server = new ServerProcess(process, address);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Until <paramref name="probe"/> gets any answer (the server's own certificate accepted), the process exits, or 60 s pass.</summary>
    private async Task WaitReadyAsync(string probe)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited at start ({_process.ExitCode}):\n" + Output);
            }

            try
            {
                using var response = await client.GetAsync(new Uri(Address, probe));
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>SIGKILL: no graceful shutdown, in-flight requests die with the process.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
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
