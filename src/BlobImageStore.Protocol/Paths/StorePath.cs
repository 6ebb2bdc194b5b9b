using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace BlobImageStore.Paths;

/// <summary>
/// A normalised store-relative path: <c>/</c>-separated, no empty, <c>.</c> or <c>..</c> segments, no leading or
/// trailing separator. It is also the blob name of the file, so other Azure tools see the same tree. The server and
/// the client apply the same rules (this type), so the client refuses before sending what the server would refuse.
/// </summary>
public sealed record StorePath
{
    /// <summary>Azure's limit on a blob name, which this path becomes.</summary>
    public const int MaxLength = 1024;

    /// <summary>Azure's limit on the number of segments in a blob name.</summary>
    public const int MaxSegments = 254;

    private StorePath(string value) => Value = value;

    /// <summary>The path with <c>/</c> separators: the blob name.</summary>
    public string Value { get; }

    /// <inheritdoc/>
    public override string ToString() => Value;

    /// <summary>The path as Service Fabric answers it, with the configured separator.</summary>
    /// <param name="separator"><c>/</c> or <c>\</c>.</param>
    /// <returns>The path with that separator.</returns>
    public string ToResponsePath(char separator) => separator == '/' ? Value : Value.Replace('/', separator);

    /// <summary>
    /// Parses a path as it arrives in a request target, still percent-encoded: the official .NET client escapes
    /// it whole (<c>%2F</c>, on Windows <c>%5C</c>), sfctl sends <c>/</c> and encodes each segment (note S9). A <c>%</c>
    /// that starts no valid escape stays as it is (<see cref="Uri.UnescapeDataString(string)"/>), so <c>100%.txt</c> is a name.
    /// </summary>
    /// <param name="rawPath">The path part of the request target.</param>
    /// <param name="path">The path, when it is valid.</param>
    /// <param name="error">Why it is not, otherwise.</param>
    /// <returns>True when the path is valid.</returns>
    public static bool TryFromRequestTarget(string rawPath, [NotNullWhen(true)] out StorePath? path, [NotNullWhen(false)] out StorePathError? error) =>
        TryParse(Uri.UnescapeDataString(rawPath), out path, out error);

    /// <summary>True when <paramref name="name"/> (a blob name) is exactly a store path this store would write, with
    /// nothing to normalise.</summary>
    /// <param name="name">A blob name.</param>
    /// <param name="path">The path, when it is one.</param>
    /// <returns>Whether the name is a store path as written.</returns>
    public static bool TryParse(string name, [NotNullWhen(true)] out StorePath? path)
    {
        if (TryParse(name, out path, out _) && path.Value == name)
        {
            return true;
        }

        path = null;
        return false;
    }

    /// <summary>
    /// A path known to be valid (read back from the store, or written in code); throws <see cref="FormatException"/>
    /// otherwise. Input from a request or a user goes through
    /// <see cref="TryParse(string, out StorePath?, out StorePathError?)"/>, whose error the caller words.
    /// </summary>
    /// <param name="decoded">The decoded path.</param>
    /// <returns>The normalised path.</returns>
    public static StorePath Parse(string decoded) =>
        TryParse(decoded, out var path, out var error)
            ? path
            : throw new FormatException($"'{Printable(decoded)}' is not a store path ({error.GetType().Name}).");

    /// <summary>
    /// Normalises a decoded path: <c>\</c> becomes <c>/</c>, separators and spaces at the ends of segments are trimmed.
    /// Names that Azure Blob Storage refuses or cannot serve back are refused, before anything is written: control
    /// characters, characters that are not valid Unicode text (unpaired surrogates, noncharacters, and the private-use
    /// code points Azure's naming rules call invalid), and segments ending in a dot (Azure's rules: no path segment may
    /// end with '.'). A segment that is just <c>$</c> is refused too: in a URL it marks an operation.
    /// </summary>
    /// <param name="decoded">The decoded path.</param>
    /// <param name="path">The normalised path, when it is valid.</param>
    /// <param name="error">Why it is not, otherwise.</param>
    /// <returns>True when the path is valid.</returns>
    public static bool TryParse(string decoded, [NotNullWhen(true)] out StorePath? path, [NotNullWhen(false)] out StorePathError? error)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        path = null;
        error = Check(decoded, out var value);
        if (error is null)
        {
            path = new StorePath(value!);
        }

        return error is null;
    }

    private static StorePathError? Check(string decoded, out string? value)
    {
        value = null;
        for (var i = 0; i < decoded.Length; i++)
        {
            var c = decoded[i];
            if (char.IsControl(c))
            {
                return new StorePathError.ControlCharacter(decoded, c);
            }

            if (char.IsHighSurrogate(c) && i + 1 < decoded.Length && char.IsLowSurrogate(decoded[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c) || c is >= '\uFDD0' and <= '\uFDEF' or '\uFFFE' or '\uFFFF' or >= '\uE000' and <= '\uF8FF')
            {
                return new StorePathError.InvalidCharacter(decoded, c);
            }
        }

        var segments = decoded.Replace('\\', '/')
            .Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Trim(' '))
            .Where(s => s.Length > 0)
            .ToArray();

        if (segments.Length == 0)
        {
            return new StorePathError.Empty(decoded);
        }

        foreach (var segment in segments)
        {
            if (segment is "." or "..")
            {
                return new StorePathError.RelativeSegment(decoded, segment);
            }

            if (segment == "$")
            {
                return new StorePathError.OperationSegment(decoded);
            }

            if (segment.EndsWith('.'))
            {
                return new StorePathError.TrailingDot(decoded, segment);
            }
        }

        var joined = string.Join('/', segments);
        if (joined.Length > MaxLength || Encoding.UTF8.GetByteCount(joined) > MaxLength)
        {
            return new StorePathError.TooLong(decoded, joined.Length, MaxLength);
        }

        if (segments.Length > MaxSegments)
        {
            return new StorePathError.TooDeep(decoded, segments.Length, MaxSegments);
        }

        value = joined;
        return null;
    }

    /// <summary>The text with control characters as <c>?</c>, cut at 200 characters: safe to show in a message.</summary>
    /// <param name="s">Any text.</param>
    /// <returns>The printable form.</returns>
    public static string Printable(string s)
    {
        var b = new StringBuilder(Math.Min(s.Length, 200));
        foreach (var c in s.Length > 200 ? s[..200] : s)
        {
            b.Append(char.IsControl(c) ? '?' : c);
        }

        return b.ToString();
    }
}

/// <summary>
/// Why a text is not a store path. The protocol names the rule; each side words it for its audience: the server's
/// error catalogue as a FabricError (<c>FABRIC_E_INVALID_NAME_URI</c> or <c>FABRIC_E_PATH_TOO_LONG</c>, 400), the
/// client as an <see cref="ArgumentException"/> before any request.
/// </summary>
/// <param name="Path">The path as given (decoded).</param>
public abstract record StorePathError(string Path)
{
    /// <summary>Nothing left after removing separators and spaces: the root is not a file.</summary>
    /// <param name="Path">The path.</param>
    public sealed record Empty(string Path) : StorePathError(Path);

    /// <summary>A control character (U+0000–U+001F, U+007F–U+009F).</summary>
    /// <param name="Path">The path.</param>
    /// <param name="Character">The first such character.</param>
    public sealed record ControlCharacter(string Path, char Character) : StorePathError(Path);

    /// <summary>A UTF-16 unit Azure Blob Storage does not accept in a name: an unpaired surrogate, a noncharacter, or a
    /// private-use code point.</summary>
    /// <param name="Path">The path.</param>
    /// <param name="Character">The first such unit.</param>
    public sealed record InvalidCharacter(string Path, char Character) : StorePathError(Path);

    /// <summary>A <c>.</c> or <c>..</c> segment: store paths are relative to the root and cannot step up.</summary>
    /// <param name="Path">The path.</param>
    /// <param name="Segment">The segment.</param>
    public sealed record RelativeSegment(string Path, string Segment) : StorePathError(Path);

    /// <summary>A segment that is just <c>$</c>, which marks an operation in image store URLs.</summary>
    /// <param name="Path">The path.</param>
    public sealed record OperationSegment(string Path) : StorePathError(Path);

    /// <summary>A segment ending with a dot, which Azure Blob Storage does not allow.</summary>
    /// <param name="Path">The path.</param>
    /// <param name="Segment">The segment.</param>
    public sealed record TrailingDot(string Path, string Segment) : StorePathError(Path);

    /// <summary>Longer than Azure's 1,024-character blob name (characters or UTF-8 bytes).</summary>
    /// <param name="Path">The path.</param>
    /// <param name="Length">Characters in the normalised path.</param>
    /// <param name="MaxLength">The limit.</param>
    public sealed record TooLong(string Path, int Length, int MaxLength) : StorePathError(Path);

    /// <summary>More segments than Azure's 254 in a blob name.</summary>
    /// <param name="Path">The path.</param>
    /// <param name="Segments">Segments in the path.</param>
    /// <param name="MaxSegments">The limit.</param>
    public sealed record TooDeep(string Path, int Segments, int MaxSegments) : StorePathError(Path);
}
