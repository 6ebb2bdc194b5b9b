using System.Reflection;
using System.Text.RegularExpressions;
using BlobImageStore.Errors;

namespace BlobImageStore.UnitTests;

/// <summary>docs/errors.md lists every code the server sends (issue 15, item 8): code, status, meaning, what to do.</summary>
public partial class ErrorCatalogueTests
{
    private static readonly string Root = FindRoot();

    public static TheoryData<string> Codes()
    {
        var data = new TheoryData<string>();
        foreach (var code in FabricErrorCodeValues())
        {
            data.Add(code);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void Every_code_of_FabricErrorCodes_has_a_complete_row_in_docs_errors_md(string code)
    {
        var rows = Rows();

        Assert.True(rows.TryGetValue(code, out var row), $"docs/errors.md has no row for {code}: add code, status, meaning here and what the client should do.");
        Assert.Matches(@"^\d{3}", row[0]);
        Assert.All(row, cell => Assert.False(string.IsNullOrWhiteSpace(cell)));
    }

    [Fact]
    public void The_table_has_no_row_for_a_code_the_server_does_not_send()
    {
        Assert.Empty(Rows().Keys.Except(FabricErrorCodeValues()));
    }

    [Fact]
    public void Every_error_code_written_in_the_server_source_is_one_of_FabricErrorCodes()
    {
        var known = FabricErrorCodeValues().ToHashSet();
        var literals = Directory.EnumerateFiles(Path.Combine(Root, "src", "BlobImageStore"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => CodeLiteral().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Code: m.Groups[1].Value)))
            .Where(l => !known.Contains(l.Code))
            .ToList();

        Assert.Empty(literals);
    }

    /// <summary>The values of the public string constants of <see cref="FabricErrorCodes"/>, by reflection.</summary>
    private static IEnumerable<string> FabricErrorCodeValues() =>
        typeof(FabricErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);

    /// <summary>Rows of the table in docs/errors.md: code → (status, meaning, what to do).</summary>
    private static Dictionary<string, string[]> Rows() =>
        File.ReadLines(Path.Combine(Root, "docs", "errors.md"))
            .Select(l => TableRow().Match(l))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Split('|').Select(c => c.Trim()).Where(c => c.Length > 0).ToArray());

    [GeneratedRegex(@"^\| `([A-Z_]+)` \|(.*)\|$")]
    private static partial Regex TableRow();

    [GeneratedRegex("\"((?:FABRIC_)?E_[A-Z_]+)\"")]
    private static partial Regex CodeLiteral();

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
