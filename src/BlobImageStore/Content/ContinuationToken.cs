using System.Buffers.Text;
using System.Text;
using BlobImageStore.Paths;

namespace BlobImageStore.Content;

/// <summary>
/// Where the next page of a listing starts: the Azure List Blobs marker of the storage page that holds the next entry
/// (null for the first storage page), and the List Blobs name of the last entry of that storage page already answered
/// (a folder's with its trailing '/'; entries up to it are skipped).
/// A page of the answer fills up to a size, so it may end in the middle of a storage page.
/// </summary>
public sealed record ListPosition(string? Marker, string? After)
{
    public static ListPosition Start { get; } = new(null, null);
}

/// <summary>
/// The <c>ContinuationToken</c> of a paged listing (note S11). Service Fabric's token is the next store path; ours wraps
/// Azure's List Blobs marker, which is opaque and only valid for the listing it came from, so the token also names the
/// listed path: <c>base64url("2\n{path}\n{marker}\n{after}")</c> (<see cref="ListPosition"/>; version 1,
/// <c>base64url("1\n{path}\n{marker}")</c>, is still read). A token from another listing, or one that was altered, is
/// answered with 400 rather than a wrong page (<see cref="InvalidContinuationToken"/>).
/// </summary>
public static class ContinuationToken
{
    private const string Version = "1";
    private const string PositionVersion = "2";

    public static string Encode(StorePath? listed, ListPosition position) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{PositionVersion}\n{listed?.Value}\n{position.Marker}\n{position.After}"));

    /// <summary>The position inside the token (either version); null when the token is not one this listing gave out.</summary>
    public static ListPosition? DecodePosition(string token, StorePath? listed)
    {
        if (DecodeText(token) is not { } text)
        {
            return null;
        }

        var parts = text.Split('\n', 4);
        if (parts.Length == 4 && parts[0] == PositionVersion && parts[1] == (listed?.Value ?? string.Empty)
            && (parts[2].Length > 0 || parts[3].Length > 0))
        {
            return new ListPosition(parts[2].Length == 0 ? null : parts[2], parts[3].Length == 0 ? null : parts[3]);
        }

        return Decode(token, listed) is { } marker ? new ListPosition(marker, null) : null;
    }

    private static string? DecodeText(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Trim()));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string Encode(StorePath? listed, string marker) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Version}\n{listed?.Value}\n{marker}"));

    /// <summary>The Azure marker inside a version 1 token; null when the token is not one this listing gave out.</summary>
    public static string? Decode(string token, StorePath? listed)
    {
        var parts = DecodeText(token)?.Split('\n', 3);
        return parts is null || parts.Length != 3 || parts[0] != Version || parts[1] != (listed?.Value ?? string.Empty) || parts[2].Length == 0
            ? null
            : parts[2];
    }
}
