using System.Globalization;
using BlobImageStore.Errors;

namespace BlobImageStore.Sessions;

/// <summary>
/// The <c>Content-Range</c> of an UploadChunk: <c>[bytes] first-last/total</c>, inclusive (note S2).
/// A zero-byte file is uploaded with the one range <c>0-0/0</c> and an empty body: the range Service Fabric
/// reports as expected for an empty file (note S1), and the reason its runtime accepts <c>last == total</c>.
/// </summary>
public readonly record struct ContentRange(long First, long Last, long Total)
{
    /// <summary>True for the empty-file form <c>0-0/0</c>, which carries no bytes.</summary>
    public bool IsEmptyFile => Total == 0;

    /// <summary>Number of body bytes this range carries.</summary>
    public long Length => IsEmptyFile ? 0 : Last - First + 1;

    public ByteRange Range => new(First, Last);

    public override string ToString() => $"bytes {First}-{Last}/{Total}";

    public static ContentRange Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            throw Unsatisfiable(header, "the header is missing; send 'Content-Range: bytes {first}-{last}/{file length}' with inclusive byte positions");
        }

        var text = header.Trim();
        if (text.StartsWith("bytes", StringComparison.OrdinalIgnoreCase))
        {
            text = text["bytes".Length..].Trim();
        }

        var parts = text.Split('/');
        if (parts.Length != 2)
        {
            throw Unsatisfiable(header, "expected exactly one '/' between the range and the file length");
        }

        var bounds = parts[0].Split('-');
        if (bounds.Length != 2
            || !TryParseNumber(bounds[0], out var first)
            || !TryParseNumber(bounds[1], out var last)
            || !TryParseNumber(parts[1], out var total))
        {
            throw Unsatisfiable(header, "expected '{first}-{last}/{file length}' with whole non-negative numbers");
        }

        if (total == 0)
        {
            // The empty file: the only range inside it is the one SF reports as expected, 0-0.
            return first == 0 && last == 0
                ? new ContentRange(0, 0, 0)
                : throw Unsatisfiable(header, "a zero-byte file is uploaded as 'bytes 0-0/0' with an empty body");
        }

        if (first > last)
        {
            throw Unsatisfiable(header, "the first byte position is after the last; positions are inclusive, so a 10-byte chunk at 0 is 'bytes 0-9/…'");
        }

        if (last >= total)
        {
            // The SF runtime accepts last == total (an off-by-one); that byte lies outside the file, so we refuse it.
            throw Unsatisfiable(header, $"the last byte position {last} is outside a file of {total} bytes (the last byte is {total - 1}); positions are inclusive");
        }

        return new ContentRange(first, last, total);
    }

    private static bool TryParseNumber(string s, out long value)
    {
        s = s.Trim();
        value = 0;
        return s.Length > 0 && s.All(char.IsAsciiDigit)
            && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static FabricException Unsatisfiable(string? header, string why) =>
        FabricException.RangeNotSatisfiable($"Content-Range '{header}' is not valid: {why}.");
}
