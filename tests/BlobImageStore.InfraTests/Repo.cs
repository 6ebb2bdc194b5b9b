using System.Reflection;

namespace BlobImageStore.InfraTests;

/// <summary>Paths in the repository, found from the build's RepoRoot (or by walking up to the solution file).</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Infra => Path.Combine(Root, "infra");

    public static string MainBicep => Path.Combine(Infra, "main.bicep");

    /// <summary>Every .bicep file under infra/, as paths relative to the repo root with '/' separators.</summary>
    public static IEnumerable<string> BicepFiles() =>
        Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    public static string FullPath(string relative) => Path.GetFullPath(Path.Combine(Root, relative));

    internal static string? Metadata(string key) =>
        typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;

    private static string FindRoot()
    {
        if (Metadata("RepoRoot") is { Length: > 0 } built && Directory.Exists(Path.Combine(built, "infra")))
        {
            return Path.GetFullPath(built);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BlobImageStore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root (with infra/ and BlobImageStore.sln) not found.");
    }
}
