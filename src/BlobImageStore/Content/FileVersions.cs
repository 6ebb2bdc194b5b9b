using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BlobImageStore.Content;

/// <summary>
/// <c>FileVersion</c> of a listed file. Service Fabric's image store numbers each file write
/// (<c>VersionNumber</c>) and records the replica's epoch when it was written (<c>EpochDataLossNumber</c>,
/// <c>EpochConfigurationNumber</c>). Blob Storage has no replicas or epochs, so both epochs are <c>"0"</c>; the
/// version number is the blob's ETag as a number (Azure's ETags are <c>0x</c> and up to 16 hex digits, a value that
/// changes with every write), or for any other ETag form a stable 63-bit number derived from it. Either way it changes
/// exactly when the file is rewritten, which is what clients compare it for.
/// </summary>
public static class FileVersions
{
    public const string Epoch = "0";

    public static string VersionNumber(string etag)
    {
        var text = etag.Trim('"', ' ');
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && text.Length is > 2 and <= 18
            && ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var number))
        {
            return number.ToString(CultureInfo.InvariantCulture);
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return (BitConverter.ToUInt64(hash, 0) >> 1).ToString(CultureInfo.InvariantCulture);
    }
}
