using System.Security.Cryptography;
using System.Text;
using BlobImageStore.Paths;

namespace BlobImageStore.Sessions;

/// <summary>
/// Where a path's claim is stored: <c>claims/{path}</c>, so that the claims on a path and below it are one point read
/// plus one prefix listing (cost grows with the sessions under that path, never with the store). A blob name has at
/// most 1,024 characters; the claim of a longer path keeps as much of the path as fits and ends in <c>#</c> and the
/// SHA-256 of the whole path, so it still lists under every folder that fits (a folder too long for that is listed by
/// its cut prefix and filtered by the path inside each claim).
/// </summary>
public static class ClaimNames
{
    public const string Prefix = "claims/";
    public const int MaxBlobName = 1024;
    private const int HashSuffix = 1 + 64;
    private const int Cut = MaxBlobName - HashSuffix;

    public static string For(StorePath path)
    {
        var name = Prefix + path.Value;
        return name.Length <= MaxBlobName ? name : name[..Cut] + "#" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path.Value)));
    }

    /// <summary>The listing prefix of the claims strictly below <paramref name="folder"/> (null: every claim).</summary>
    public static string Below(StorePath? folder)
    {
        if (folder is null)
        {
            return Prefix;
        }

        var prefix = Prefix + folder.Value + "/";
        return prefix.Length <= Cut ? prefix : prefix[..Cut];
    }

    public static bool IsAtOrBelow(string path, StorePath folder) =>
        path == folder.Value || (path.Length > folder.Value.Length && path.StartsWith(folder.Value + "/", StringComparison.Ordinal));
}
