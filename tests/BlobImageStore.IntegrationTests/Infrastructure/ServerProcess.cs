using System.Diagnostics;
using System.Text;
using BlobImageStore.Server.Hosting;

namespace BlobImageStore.IntegrationTests.Infrastructure;

/// <summary>The self-hosted server as a real child process on its own port; killed (not stopped) to simulate a crash.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

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

    public static async Task<ServerProcess> StartAsync(string storageConnectionString, IReadOnlyDictionary<string, string>? settings = null, int? port = null)
    {
        var dll = Path.Combine(RepoPaths.Root, "src", "BlobImageStore.Server", "bin", RepoPaths.Configuration, "net10.0", "BlobImageStore.Server.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Build the server first (dotnet build BlobImageStore.sln).", dll);
        }

        var address = new Uri($"http://127.0.0.1:{port ?? AzuriteProcess.FreePort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString().TrimEnd('/'));
        start.Environment["ImageStore__Storage"] = storageConnectionString;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__BlobImageStore"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var server = new ServerProcess(process, address);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("The server exited at start:\n" + server.Output);
            }

            try
            {
                using var response = await probe.GetAsync(new Uri(address, "/ImageStore/$/GetUploadSession?api-version=6.0&session-id=" + Guid.NewGuid()));
                return server;
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }
            catch (TaskCanceledException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
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
