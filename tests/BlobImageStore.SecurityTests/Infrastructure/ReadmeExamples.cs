using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.SecurityTests.Infrastructure;

/// <summary>
/// A C# example of the client README is code a test runs: the README holds the text, and the test's source holds the
/// same lines between <c>// readme:NAME:begin</c> and <c>// readme:NAME:end</c> (indented 8 spaces, as in a method).
/// </summary>
public static class ReadmeExamples
{
    public static string ClientReadme => Path.Combine(RepoPaths.Root, "src", "BlobImageStore.Client", "README.md");

    public static void AssertIsRunCode(string name, string testSource, string exampleText)
    {
        var readme = File.ReadAllText(ClientReadme).ReplaceLineEndings("\n");
        Assert.True(readme.Contains(exampleText, StringComparison.Ordinal), $"the client README does not hold the '{name}' example as the test runs it:\n{exampleText}");
        var source = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "BlobImageStore.SecurityTests", testSource)).ReplaceLineEndings("\n").Split('\n');
        var first = Array.FindIndex(source, l => l.Trim() == $"// readme:{name}:begin") + 1;
        var last = Array.FindIndex(source, l => l.Trim() == $"// readme:{name}:end");
        Assert.True(first > 0 && last > first, $"no readme:{name} markers in {testSource}");
        var code = source[first..last].Select(l => l.Length >= 8 ? l[8..] : l.Trim()).ToList();
        while (code[^1].Length == 0)
        {
            code.RemoveAt(code.Count - 1);
        }

        Assert.Equal(exampleText, string.Join('\n', code));
    }
}
