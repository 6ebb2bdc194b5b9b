using System.Diagnostics;
using System.Text;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.Client.Tests.Infrastructure;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>The built <c>imagestore</c> CLI run as a child process (stdout redirected, so its output is the plain form).</summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process)
    {
        _process = process;
    }

    public static string Dll { get; } = Path.Combine(RepoPaths.Root, "src", "BlobImageStore.Cli", "bin", RepoPaths.Configuration, "net10.0", "imagestore.dll");

    public static CliProcess Start(string journalDir, params string[] args) => StartIn(journalDir, null, null, args);

    /// <summary>Starts the CLI in <paramref name="workingDirectory"/> with extra environment variables.</summary>
    public static CliProcess StartIn(string journalDir, string? workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        if (!File.Exists(Dll))
        {
            throw new FileNotFoundException("Build the CLI first (dotnet build BlobImageStore.sln).", Dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["IMAGESTORE_JOURNAL_DIR"] = journalDir;
        start.Environment.Remove("IMAGESTORE_ENDPOINT");
        start.Environment.Remove("IMAGESTORE_API_KEY");
        // No saved cluster profile of the machine's user (imagestore cluster select): a test that wants one sets XDG_CONFIG_HOME.
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(Path.GetTempPath(), "imagestore-no-profile-" + Guid.NewGuid().ToString("N"));
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var cli = new CliProcess(Process.Start(start)!);
        cli._process.OutputDataReceived += (_, e) => Append(cli._stdout, e.Data);
        cli._process.ErrorDataReceived += (_, e) => Append(cli._stderr, e.Data);
        cli._process.BeginOutputReadLine();
        cli._process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>What the CLI has written to stderr so far.</summary>
    public string StderrSoFar
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static async Task<CliResult> RunAsync(string journalDir, params string[] args)
    {
        using var cli = Start(journalDir, args);
        return await cli.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"the CLI did not finish within {timeout}:\n{Result(-1)}");
        }

        _process.WaitForExit(); // drains the redirected output
        return Result(_process.ExitCode);
    }

    /// <summary>Sends a signal by name (e.g. INT for Ctrl+C) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-s", name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: no cleanup, no journal update, in-flight chunks die with it.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private CliResult Result(int code)
    {
        string stdout, stderr;
        lock (_stdout)
        {
            stdout = _stdout.ToString();
        }

        lock (_stderr)
        {
            stderr = _stderr.ToString();
        }

        return new CliResult(code, stdout, stderr);
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            sb.AppendLine(line);
        }
    }
}
