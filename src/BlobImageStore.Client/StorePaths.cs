namespace BlobImageStore.Client;

/// <summary>
/// Store-relative paths as the client sends them: <c>\</c> or <c>/</c> separated on input, sent with <c>/</c> between
/// segments and each segment percent-encoded (sfctl's form, note S9), so a <c>$</c>, <c>?</c> or <c>#</c> in a name
/// cannot be taken for part of the URL.
/// </summary>
public static class StorePaths
{
    /// <summary>The path with <c>/</c> separators and no empty segments; throws for <c>.</c> and <c>..</c> segments.</summary>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Trim(' ')).Where(s => s.Length > 0).ToArray();
        foreach (var s in segments)
        {
            if (s is "." or "..")
            {
                throw new ArgumentException($"The store path '{path}' has a '{s}' segment; store paths are relative to the store root and cannot step up.", nameof(path));
            }
        }

        return string.Join('/', segments);
    }

    /// <summary>The normalised path, which must not be empty (the root is not a file).</summary>
    public static string RequireFilePath(string path)
    {
        var normalized = Normalize(path);
        return normalized.Length > 0
            ? normalized
            : throw new ArgumentException("The store path is empty; give a path relative to the store root, e.g. MyApp/ApplicationManifest.xml.", nameof(path));
    }

    /// <summary>Percent-encodes each segment of a normalised path.</summary>
    public static string Encode(string normalized) =>
        string.Join('/', normalized.Split('/').Select(Uri.EscapeDataString));

    /// <summary>Joins store path parts.</summary>
    public static string Combine(string first, string second) => Normalize(first + "/" + second);
}
