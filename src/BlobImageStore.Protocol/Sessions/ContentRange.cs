using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace BlobImageStore.Sessions;

/// <summary>
/// The <c>Content-Range</c> of an UploadChunk: <c>[bytes] first-last/total</c>, inclusive (note S2).
/// A zero-byte file is uploaded with the one range <c>0-0/0</c> and an empty body: the range Service Fabric
/// reports as expected for an empty file (note S1), and the reason its runtime accepts <c>last == total</c>.
/// </summary>
/// <param name="First">Offset of the chunk's first byte.</param>
/// <param name="Last">Offset of the chunk's last byte (inclusive).</param>
/// <param name="Total">Size of the whole file.</param>
public readonly record struct ContentRange(long First, long Last, long Total)
{
    /// <summary>The one range of a zero-byte file, <c>bytes 0-0/0</c>.</summary>
    public static ContentRange EmptyFile { get; } = new(0, 0, 0);

    /// <summary>True for the empty-file form <c>0-0/0</c>, which carries no bytes.</summary>
    public bool IsEmptyFile => Total == 0;

    /// <summary>Number of body bytes this range carries.</summary>
    public long Length => IsEmptyFile ? 0 : Last - First + 1;

    /// <summary>The bytes of the file this range names.</summary>
    public ByteRange Range => new(First, Last);

    /// <summary>The header value: <c>bytes first-last/total</c>.</summary>
    /// <returns>The range as the protocol writes it.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"bytes {First}-{Last}/{Total}");

    /// <summary>
    /// Parses a <c>Content-Range</c> header value. A range the runtime would accept but that names a byte outside the
    /// file (<c>last == total</c>, an off-by-one of the runtime) is refused.
    /// </summary>
    /// <param name="header">The header value, or null when the request has none.</param>
    /// <param name="range">The range, when the header is valid.</param>
    /// <param name="error">Why the header is not valid, otherwise.</param>
    /// <returns>True when the header is a valid range.</returns>
    public static bool TryParse(string? header, out ContentRange range, [NotNullWhen(false)] out ContentRangeError? error)
    {
        range = default;
        error = Check(header, ref range);
        return error is null;
    }

    private static ContentRangeError? Check(string? header, ref ContentRange range)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return new ContentRangeError.Missing(header);
        }

        var text = header.Trim();
        if (text.StartsWith("bytes", StringComparison.OrdinalIgnoreCase))
        {
            text = text["bytes".Length..].Trim();
        }

        var parts = text.Split('/');
        if (parts.Length != 2)
        {
            return new ContentRangeError.NotOneSlash(header);
        }

        var bounds = parts[0].Split('-');
        if (bounds.Length != 2
            || !TryParseNumber(bounds[0], out var first)
            || !TryParseNumber(bounds[1], out var last)
            || !TryParseNumber(parts[1], out var total))
        {
            return new ContentRangeError.NotNumbers(header);
        }

        if (total == 0)
        {
            // The empty file: the only range inside it is the one SF reports as expected, 0-0.
            if (first != 0 || last != 0)
            {
                return new ContentRangeError.EmptyFileForm(header);
            }

            range = EmptyFile;
            return null;
        }

        if (first > last)
        {
            return new ContentRangeError.Reversed(header);
        }

        if (last >= total)
        {
            // The SF runtime accepts last == total (an off-by-one); that byte lies outside the file, so we refuse it.
            return new ContentRangeError.OutsideFile(header, last, total);
        }

        range = new ContentRange(first, last, total);
        return null;
    }

    private static bool TryParseNumber(string s, out long value)
    {
        s = s.Trim();
        value = 0;
        return s.Length > 0 && s.All(char.IsAsciiDigit)
            && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}

/// <summary>
/// Why a <c>Content-Range</c> header is not valid. The protocol names the rule; the server's error catalogue words the
/// answer (<c>FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE</c>, 400).
/// </summary>
/// <param name="Header">The header value as it arrived (null when absent).</param>
public abstract record ContentRangeError(string? Header)
{
    /// <summary>No <c>Content-Range</c> header.</summary>
    /// <param name="Header">The header value.</param>
    public sealed record Missing(string? Header) : ContentRangeError(Header);

    /// <summary>Not exactly one <c>/</c> between the range and the file length.</summary>
    /// <param name="Header">The header value.</param>
    public sealed record NotOneSlash(string? Header) : ContentRangeError(Header);

    /// <summary>Not <c>first-last/total</c> with whole non-negative numbers.</summary>
    /// <param name="Header">The header value.</param>
    public sealed record NotNumbers(string? Header) : ContentRangeError(Header);

    /// <summary>A range of a zero-byte file other than <c>0-0/0</c>.</summary>
    /// <param name="Header">The header value.</param>
    public sealed record EmptyFileForm(string? Header) : ContentRangeError(Header);

    /// <summary>The first byte position is after the last.</summary>
    /// <param name="Header">The header value.</param>
    public sealed record Reversed(string? Header) : ContentRangeError(Header);

    /// <summary>The last byte position is at or past the file's length.</summary>
    /// <param name="Header">The header value.</param>
    /// <param name="Last">The last byte position named.</param>
    /// <param name="Total">The file length named.</param>
    public sealed record OutsideFile(string? Header, long Last, long Total) : ContentRangeError(Header);
}
