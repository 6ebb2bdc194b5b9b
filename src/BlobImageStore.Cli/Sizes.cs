using System.Globalization;
using System.Text.RegularExpressions;

namespace BlobImageStore.Cli;

/// <summary>Sizes with units: plain bytes (<c>4194304</c>), binary units (<c>4MiB</c>, <c>1.5GiB</c>) or decimal ones (<c>100MB</c>).</summary>
public static partial class Sizes
{
    private static readonly Dictionary<string, long> Units = new(StringComparer.OrdinalIgnoreCase)
    {
        [""] = 1, ["B"] = 1,
        ["KB"] = 1000, ["MB"] = 1000 * 1000, ["GB"] = 1000L * 1000 * 1000, ["TB"] = 1000L * 1000 * 1000 * 1000,
        ["KiB"] = 1L << 10, ["MiB"] = 1L << 20, ["GiB"] = 1L << 30, ["TiB"] = 1L << 40,
    };

    public static bool TryParse(string? text, out long bytes, out string? error)
    {
        bytes = 0;
        error = null;
        var match = SizePattern().Match(text ?? string.Empty);
        if (!match.Success || !Units.TryGetValue(match.Groups[2].Value, out var unit))
        {
            error = $"'{text}' is not a size. Use bytes (4194304) or a number with a unit: KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000), e.g. 4MiB or 64MiB.";
            return false;
        }

        var value = decimal.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * unit;
        if (value < 1 || value > long.MaxValue)
        {
            error = $"'{text}' is out of range: a size must be at least 1 byte.";
            return false;
        }

        bytes = (long)Math.Round(value);
        return true;
    }

    /// <summary>Binary units with one decimal: <c>64.0 MiB</c>; plain bytes below 1 KiB.</summary>
    public static string Format(double bytes)
    {
        string[] names = ["B", "KiB", "MiB", "GiB", "TiB"];
        var i = 0;
        while (Math.Abs(bytes) >= 1024 && i < names.Length - 1)
        {
            bytes /= 1024;
            i++;
        }

        return i == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {names[i]}");
    }

    /// <summary>The binary unit <see cref="Format"/> would use for <paramref name="bytes"/>, and its size.</summary>
    public static (double Scale, string Unit) Unit(double bytes)
    {
        string[] names = ["B", "KiB", "MiB", "GiB", "TiB"];
        var i = 0;
        double scale = 1;
        while (Math.Abs(bytes) >= 1024 * scale && i < names.Length - 1)
        {
            scale *= 1024;
            i++;
        }

        return (scale, names[i]);
    }

    /// <summary>Durations: seconds (<c>90</c>) or with a unit: <c>90s</c>, <c>5m</c>, <c>1h</c>, <c>500ms</c>.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration, out string? error)
    {
        duration = default;
        error = null;
        var match = DurationPattern().Match(text ?? string.Empty);
        if (!match.Success)
        {
            error = $"'{text}' is not a duration. Use seconds (90) or a number with a unit: 500ms, 90s, 5m, 1h.";
            return false;
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        duration = match.Groups[2].Value.ToLowerInvariant() switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "m" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            _ => TimeSpan.FromSeconds(value),
        };
        if (duration < TimeSpan.FromSeconds(1))
        {
            error = $"'{text}' is too short: the timeout is at least 1 second.";
            return false;
        }

        return true;
    }

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex DurationPattern();
}
