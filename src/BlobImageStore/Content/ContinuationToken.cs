using System.Buffers.Text;
using System.Text;
using BlobImageStore.Errors;
using BlobImageStore.Paths;

namespace BlobImageStore.Content;

/// <summary>
/// The <c>ContinuationToken</c> of a paged listing (note S11). Service Fabric's token is the next store path; ours wraps
/// Azure's List Blobs marker, which is opaque and only valid for the listing it came from, so the token also names the
/// listed path: <c>base64url("1\n{path}\n{marker}")</c>. A token from another listing, or one that was altered, is
/// answered with 400 rather than a wrong page.
/// </summary>
public static class ContinuationToken
{
    private const string Version = "1";

    public static string Encode(StorePath? listed, string marker) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Version}\n{listed?.Value}\n{marker}"));

    /// <summary>The Azure marker inside the token; 400 E_INVALIDARG when the token is not one this listing gave out.</summary>
    public static string Decode(string token, StorePath? listed)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Trim()));
        }
        catch (FormatException)
        {
            throw Invalid(token, listed);
        }

        var parts = text.Split('\n', 3);
        if (parts.Length != 3 || parts[0] != Version || parts[1] != (listed?.Value ?? string.Empty) || parts[2].Length == 0)
        {
            throw Invalid(token, listed);
        }

        return parts[2];
    }

    internal static FabricException Invalid(string token, StorePath? listed) =>
        FabricException.InvalidArgument(
            $"ContinuationToken '{(token.Length > 100 ? token[..100] + "…" : token)}' is not one this server gave out for the listing of {(listed is null ? "the store root" : $"'{listed}'")}. " +
            "Pass the ContinuationToken of the previous page of the same listing unchanged, or list again without it to start from the first page.");
}
