namespace BlobImageStore.InfraTests;

/// <summary>
/// Every .bicep file under infra/ compiles and lints with no diagnostics at all. infra/bicepconfig.json makes the
/// analyzer rules errors, so a finding fails the exit code too; the output check also catches any warning that is
/// not an analyzer rule (compiler warnings such as BCP081 for a type the CLI has no data for).
/// </summary>
public sealed class BicepFileTests
{
    public static TheoryData<string> BicepFiles() => new(Repo.BicepFiles());

    [Fact]
    public void Infra_has_the_azd_layout()
    {
        var files = Repo.BicepFiles().ToList();
        Assert.Contains("infra/main.bicep", files);
        Assert.True(File.Exists(Path.Combine(Repo.Infra, "main.parameters.json")), "infra/main.parameters.json");
        Assert.True(File.Exists(Path.Combine(Repo.Infra, "bicepconfig.json")), "infra/bicepconfig.json");
        Assert.All(files, f => Assert.Matches("^infra/(main\\.bicep|app/[^/]+\\.bicep|modules/[^/]+\\.bicep)$", f));
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void Builds_without_warnings(string file)
    {
        var result = BicepCli.Run("build", Repo.FullPath(file), "--stdout");

        Assert.True(result.ExitCode == 0, $"bicep build {file}: {result}");
        Assert.Empty(result.Diagnostics);
        Assert.DoesNotContain("Warning", result.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("{", result.StandardOutput.TrimStart());
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void Lints_without_warnings(string file)
    {
        var result = BicepCli.Run("lint", Repo.FullPath(file));

        Assert.True(result.ExitCode == 0, $"bicep lint {file}: {result}");
        Assert.Empty(result.Diagnostics);
        Assert.DoesNotContain("Warning", result.StandardOutput + result.StandardError, StringComparison.OrdinalIgnoreCase);
    }
}
