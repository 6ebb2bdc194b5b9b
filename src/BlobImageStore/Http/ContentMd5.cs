using BlobImageStore.Errors;

namespace BlobImageStore.Http;

/// <summary>The optional <c>Content-MD5</c> request header: base64 of the body's 16-byte MD5.</summary>
internal static class ContentMd5
{
    public static byte[]? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var bytes = new byte[16];
        return Convert.TryFromBase64String(header.Trim(), bytes, out var n) && n == 16
            ? bytes
            : throw ErrorCatalogue.Refuse(ErrorCatalogue.InvalidContentMd5(header));
    }
}
