namespace BlobImageStore.Client;

/// <summary>
/// Store-relative paths as the client sends them: <c>\</c> or <c>/</c> separated on input, checked against the
/// server's own rules (<see cref="StorePath"/>, the protocol library's), sent with <c>/</c> between segments and each
/// segment percent-encoded (sfctl's form, note S9), so a <c>$</c>, <c>?</c> or <c>#</c> in a name cannot be taken for
/// part of the URL. A path the server would refuse is refused here, before any request.
/// </summary>
public static class StorePaths
{
    /// <summary>The path with <c>/</c> separators and no empty segments; empty for the store root.</summary>
    /// <param name="path">A store path, <c>/</c> or <c>\</c> separated.</param>
    /// <returns>The normalised path.</returns>
    /// <exception cref="ArgumentException">The server would refuse the path (see <see cref="StorePath"/>).</exception>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (StorePath.TryParse(path, out var parsed, out var error))
        {
            return parsed.Value;
        }

        return error is StorePathError.Empty ? string.Empty : throw Refused(error);
    }

    /// <summary>The normalised path, which must not be empty (the root is not a file).</summary>
    /// <param name="path">A store path, <c>/</c> or <c>\</c> separated.</param>
    /// <returns>The normalised path.</returns>
    /// <exception cref="ArgumentException">The path is empty, or the server would refuse it.</exception>
    public static string RequireFilePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return StorePath.TryParse(path, out var parsed, out var error) ? parsed.Value : throw Refused(error);
    }

    /// <summary>Percent-encodes each segment of a normalised path.</summary>
    /// <param name="normalized">A path as <see cref="Normalize"/> returns it.</param>
    /// <returns>The path for a request URL.</returns>
    public static string Encode(string normalized) =>
        string.Join('/', normalized.Split('/').Select(Uri.EscapeDataString));

    /// <summary>Joins store path parts.</summary>
    /// <param name="first">The leading part.</param>
    /// <param name="second">The trailing part.</param>
    /// <returns>The normalised joined path.</returns>
    public static string Combine(string first, string second) => Normalize(first + "/" + second);

    /// <summary>The client's words for a path the server would refuse.</summary>
    private static ArgumentException Refused(StorePathError error)
    {
        var shown = StorePath.Printable(error.Path);
        var why = error switch
        {
            StorePathError.Empty => "it is empty; give a path relative to the store root, e.g. MyApp/ApplicationManifest.xml",
            StorePathError.ControlCharacter c => $"it contains the control character U+{(int)c.Character:X4}; remove it",
            StorePathError.InvalidCharacter c => $"it contains U+{(int)c.Character:X4}, which Azure Blob Storage does not accept in a name; remove it",
            StorePathError.RelativeSegment r => $"it has a '{r.Segment}' segment; store paths are relative to the store root and cannot step up",
            StorePathError.OperationSegment => "it has a '$' segment, which marks an operation in image store URLs; rename it",
            StorePathError.TrailingDot t => $"its segment '{StorePath.Printable(t.Segment)}' ends with a dot, which Azure Blob Storage does not allow; rename it without the trailing dot",
            StorePathError.TooLong t => $"it is {t.Length} characters long; the store accepts at most {t.MaxLength}",
            StorePathError.TooDeep d => $"it has {d.Segments} segments; the store accepts at most {d.MaxSegments}",
            _ => $"it breaks a store-path rule ({error.GetType().Name})",
        };
        return new ArgumentException($"The store path '{shown}' cannot be stored: {why}.", "path");
    }
}
