using System.Text;
using BlobImageStore.Errors;

namespace BlobImageStore.Paths;

/// <summary>
/// A normalised store-relative path: <c>/</c>-separated, no empty, <c>.</c> or <c>..</c> segments, no leading or
/// trailing separator. It is also the blob name of the file, so other Azure tools see the same tree.
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

    public override string ToString() => Value;

    /// <summary>The path as Service Fabric answers it, with the configured separator.</summary>
    public string ToResponsePath(char separator) => separator == '/' ? Value : Value.Replace('/', separator);

    /// <summary>
    /// Parses a path as it arrives in a request target, still percent-encoded: the official .NET client escapes
    /// it whole (<c>%2F</c>, on Windows <c>%5C</c>), sfctl sends <c>/</c> and encodes each segment (note S9).
    /// </summary>
    public static StorePath FromRequestTarget(string rawPath)
    {
        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(rawPath);
        }
        catch (UriFormatException)
        {
            throw Invalid(rawPath, "it is not a valid percent-encoded path");
        }

        return Parse(decoded);
    }

    /// <summary>True when <paramref name="name"/> (a blob name) is exactly a store path this store would write.</summary>
    public static bool TryParse(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StorePath? path)
    {
        try
        {
            path = Parse(name);
            if (path.Value == name)
            {
                return true;
            }
        }
        catch (Errors.FabricException)
        {
        }

        path = null;
        return false;
    }

    /// <summary>
    /// Normalises a decoded path: <c>\</c> becomes <c>/</c>, separators and spaces at the ends are trimmed. Names that
    /// Azure Blob Storage refuses or cannot serve back are refused here with a 400 naming the fix, before anything is
    /// written: control characters, characters that are not valid Unicode text (unpaired surrogates, noncharacters, and
    /// the private-use code points Azure's naming rules call invalid), and segments ending in a dot (Azure's rules: no
    /// path segment may end with '.'). A segment that is just <c>$</c> is refused too: in a URL it marks an operation.
    /// </summary>
    public static StorePath Parse(string decoded)
    {
        for (var i = 0; i < decoded.Length; i++)
        {
            var c = decoded[i];
            if (char.IsControl(c))
            {
                throw Invalid(decoded, $"it contains the control character U+{(int)c:X4}; remove it");
            }

            if (char.IsHighSurrogate(c) && i + 1 < decoded.Length && char.IsLowSurrogate(decoded[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c) || c is >= '\uFDD0' and <= '\uFDEF' or '\uFFFE' or '\uFFFF' or >= '\uE000' and <= '\uF8FF')
            {
                throw Invalid(decoded, $"it contains U+{(int)c:X4}, which is not a character Azure Blob Storage accepts in a name; remove it");
            }
        }

        var segments = decoded.Replace('\\', '/')
            .Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Trim(' '))
            .Where(s => s.Length > 0)
            .ToArray();

        if (segments.Length == 0)
        {
            throw new FabricException(System.Net.HttpStatusCode.BadRequest, FabricErrorCodes.InvalidNameUri,
                "The content path is empty. Put the store-relative path of the file after /ImageStore/, e.g. /ImageStore/MyApp/ApplicationManifest.xml.");
        }

        foreach (var segment in segments)
        {
            if (segment is "." or "..")
            {
                throw Invalid(decoded, $"it contains a '{segment}' segment; store paths are relative to the store root and cannot step up or stay in place");
            }

            if (segment == "$")
            {
                throw Invalid(decoded, "it has a '$' segment, which marks an operation in image store URLs (/$/Name), so such a path could not be addressed; rename it");
            }

            if (segment.EndsWith('.'))
            {
                throw Invalid(decoded, $"its segment '{Printable(segment)}' ends with a dot, which Azure Blob Storage does not allow in a blob name; rename it without the trailing dot");
            }
        }

        var value = string.Join('/', segments);
        if (value.Length > MaxLength || Encoding.UTF8.GetByteCount(value) > MaxLength)
        {
            throw new FabricException(System.Net.HttpStatusCode.BadRequest, FabricErrorCodes.PathTooLong,
                $"The content path is {value.Length} characters long; the store accepts at most {MaxLength}. Use a shorter path.");
        }

        if (segments.Length > MaxSegments)
        {
            throw new FabricException(System.Net.HttpStatusCode.BadRequest, FabricErrorCodes.PathTooLong,
                $"The content path has {segments.Length} folder levels; the store accepts at most {MaxSegments}. Use a flatter path.");
        }

        return new StorePath(value);
    }

    private static FabricException Invalid(string path, string why) =>
        new(System.Net.HttpStatusCode.BadRequest, FabricErrorCodes.InvalidNameUri,
            $"The content path '{Printable(path)}' is not valid: {why}.");

    private static string Printable(string s)
    {
        var b = new StringBuilder(s.Length);
        foreach (var c in s.Length > 200 ? s[..200] : s)
        {
            b.Append(char.IsControl(c) ? '?' : c);
        }

        return b.ToString();
    }
}
