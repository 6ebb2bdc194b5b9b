using System.Diagnostics;
using System.Text.RegularExpressions;

namespace BlobImageStore.InfraTests;

/// <summary>What one run of the Bicep CLI printed, and the diagnostics in it.</summary>
public sealed partial record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Diagnostic lines: <c>file(line,col) : Error|Warning|Info code: message</c>.</summary>
    public IReadOnlyList<BicepDiagnostic> Diagnostics { get; } =
        DiagnosticLine().Matches(StandardOutput + "\n" + StandardError)
            .Select(m => new BicepDiagnostic(m.Groups["level"].Value, m.Groups["code"].Value, m.Value.Trim()))
            .ToList();

    public override string ToString() => $"exit code {ExitCode}\n--- stderr ---\n{StandardError}";

    [GeneratedRegex(@"^.+\(\d+,\d+\) : (?<level>Error|Warning|Info) (?<code>[^:\s]+): .*$", RegexOptions.Multiline)]
    private static partial Regex DiagnosticLine();
}

public sealed record BicepDiagnostic(string Level, string Code, string Line);

/// <summary>
/// The Bicep CLI from the NuGet package Azure.Bicep.CommandLine.linux-x64, which this project restores with a
/// PackageDownload (version BicepCliVersion in the .csproj). It builds and lints offline: the resource type data
/// that use-recent-api-versions checks against is built into the binary.
/// </summary>
internal static class BicepCli
{
    private const string PackageId = "azure.bicep.commandline.linux-x64";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly Lazy<string> s_path = new(Locate);

    public static string ExecutablePath => s_path.Value;

    public static BicepResult Run(params string[] args)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ExecutablePath}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', args)} did not finish in {Timeout}.");
        }

        return new BicepResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>NUGET_PACKAGES if set, else ~/.nuget/packages; then the folder this build restored into.</summary>
    private static string Locate()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The infra tests run the linux-x64 Bicep CLI package.");
        }

        var version = Repo.Metadata("BicepCliVersion") ?? throw new InvalidOperationException("BicepCliVersion not set.");
        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } fromEnvironment)
        {
            roots.Add(fromEnvironment);
        }
        else
        {
            roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));
        }

        if (Repo.Metadata("NuGetPackageRoot") is { Length: > 0 } restoredTo)
        {
            roots.Add(restoredTo);
        }

        foreach (var root in roots)
        {
            var candidate = Path.Combine(root, PackageId, version, "tools", "bicep");
            if (File.Exists(candidate))
            {
                EnsureExecutable(candidate);
                return candidate;
            }
        }

        throw new FileNotFoundException(
            $"Bicep CLI {version} not found under {string.Join(" or ", roots)}. " +
            "Run 'dotnet restore tests/BlobImageStore.InfraTests' (it downloads the package).");
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static void EnsureExecutable(string path)
    {
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, mode | execute);
        }
    }
}
