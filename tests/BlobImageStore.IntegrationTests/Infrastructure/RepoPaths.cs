using System.Reflection;

namespace BlobImageStore.IntegrationTests.Infrastructure;

public static class RepoPaths
{
    /// <summary>The repository root: the folder holding BlobImageStore.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The repository's <c>spec/</c> folder: the vendored swagger subset and the real clients' wire captures.</summary>
    public static string Spec => Path.Combine(Root, "spec");

    /// <summary>The build configuration the tests were built in, so the server process matches them.</summary>
    public static string Configuration { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BlobImageStore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BlobImageStore.sln not found above " + AppContext.BaseDirectory);
    }
}
