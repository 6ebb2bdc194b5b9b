using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BlobImageStore.Client.Uploads;

/// <summary>
/// What this machine remembers of an upload it started: written before the first chunk is sent, removed after the
/// commit. It is how a later run (after a crash, a kill or Ctrl+C) knows that the open session on a path is its own and
/// that the local file is still the one whose bytes that session holds.
/// </summary>
/// <param name="Endpoint">The store the session lives in.</param>
/// <param name="StorePath">The file's store path.</param>
/// <param name="SessionId">The upload session.</param>
/// <param name="LocalPath">The local file's full path.</param>
/// <param name="FileSize">The local file's size when the upload began.</param>
/// <param name="LastWriteUtc">The local file's last-write time when the upload began.</param>
/// <param name="Fingerprint">The local file's fingerprint (<see cref="LocalFileIdentity"/>) when the upload began.</param>
/// <param name="ChunkSize">The chunk size the session's chunks were cut with.</param>
/// <param name="Started">When the upload began.</param>
public sealed record ResumeEntry(
    Uri Endpoint,
    string StorePath,
    Guid SessionId,
    string LocalPath,
    long FileSize,
    DateTime LastWriteUtc,
    string Fingerprint,
    long ChunkSize,
    DateTimeOffset Started)
{
    /// <summary>True when <paramref name="file"/> has the size, write time and fingerprint recorded here.</summary>
    /// <param name="file">The local file as it is now.</param>
    /// <returns>Whether it is the same file.</returns>
    public bool Matches(LocalFileIdentity file) =>
        FileSize == file.Size && LastWriteUtc == file.LastWriteUtc && string.Equals(Fingerprint, file.Fingerprint, StringComparison.Ordinal);
}

/// <summary>
/// What this machine committed to a store path: the SHA-256 of the bytes it sent and the <c>FileVersion</c> the server
/// listed for the file right after the commit. A later package upload skips the file only when the local file still
/// has that digest (read again in full) and the server still lists that version (nobody wrote the path since): never
/// on size or dates alone.
/// </summary>
/// <param name="Endpoint">The store.</param>
/// <param name="StorePath">The file's store path.</param>
/// <param name="FileSize">Bytes committed.</param>
/// <param name="Sha256">Hex SHA-256 of the bytes committed (of the local file as it was sent).</param>
/// <param name="VersionNumber">The server's <c>FileVersion.VersionNumber</c> for the file just after the commit.</param>
/// <param name="Committed">When the commit was acknowledged.</param>
public sealed record CommittedFile(Uri Endpoint, string StorePath, long FileSize, string Sha256, string VersionNumber, DateTimeOffset Committed);

/// <summary>Resume journal storage, one entry per (endpoint, store path), plus the record of committed files.</summary>
public interface IResumeJournal
{
    /// <summary>This machine's unfinished upload of a path, or null.</summary>
    /// <param name="endpoint">The store.</param>
    /// <param name="storePath">The normalised store path.</param>
    /// <returns>The entry, or null when there is none (or it cannot be read).</returns>
    ResumeEntry? Load(Uri endpoint, string storePath);

    /// <summary>Records (or replaces) an unfinished upload.</summary>
    /// <param name="entry">The upload.</param>
    void Save(ResumeEntry entry);

    /// <summary>Forgets the unfinished upload of a path (after its commit).</summary>
    /// <param name="endpoint">The store.</param>
    /// <param name="storePath">The normalised store path.</param>
    void Delete(Uri endpoint, string storePath);

    /// <summary>Removes the entries naming this session (after it was deleted by hand).</summary>
    /// <param name="sessionId">The session.</param>
    /// <returns>How many entries were removed.</returns>
    int ForgetSession(Guid sessionId);

    /// <summary>What this machine last committed to a path, or null.</summary>
    /// <param name="endpoint">The store.</param>
    /// <param name="storePath">The normalised store path.</param>
    /// <returns>The record, or null.</returns>
    CommittedFile? LoadCommitted(Uri endpoint, string storePath);

    /// <summary>Records a commit (replacing the path's earlier record).</summary>
    /// <param name="entry">The commit.</param>
    void SaveCommitted(CommittedFile entry);
}

/// <summary>Where the file journal lives.</summary>
public sealed class UploadJournalOptions
{
    /// <summary>Default: <c>{LocalApplicationData}/BlobImageStore/uploads</c> (on Linux <c>~/.local/share/…</c>).</summary>
    public string Directory { get; set; } = DefaultDirectory;

    /// <summary><c>{LocalApplicationData}/BlobImageStore/uploads</c> (the temp folder when there is no such folder).</summary>
    public static string DefaultDirectory
    {
        get
        {
            var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            return Path.Combine(string.IsNullOrEmpty(root) ? Path.GetTempPath() : root, "BlobImageStore", "uploads");
        }
    }
}

/// <summary>
/// The journal as one small JSON file per (endpoint, store path), named by a hash of the two, written atomically
/// (temporary file, then rename) so a kill mid-write leaves the old entry or the new one, never half of one. Records of
/// committed files live the same way in its <c>committed</c> sub-folder.
/// </summary>
/// <param name="directory">The journal's folder (created on the first write).</param>
public sealed class FileResumeJournal(string directory) : IResumeJournal
{
    /// <summary>The journal's folder.</summary>
    public string Directory { get; } = directory;

    /// <inheritdoc/>
    public CommittedFile? LoadCommitted(Uri endpoint, string storePath)
    {
        try
        {
            var entry = JsonSerializer.Deserialize(File.ReadAllText(CommittedFileFor(endpoint, storePath)), JournalJson.Default.CommittedFile);
            return entry is not null && entry.StorePath == storePath && SameEndpoint(entry.Endpoint, endpoint) ? entry : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null; // none, or unreadable: the file is sent again, which is always safe
        }
    }

    /// <inheritdoc/>
    public void SaveCommitted(CommittedFile entry)
    {
        var file = CommittedFileFor(entry.Endpoint, entry.StorePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        WriteAtomically(file, JsonSerializer.Serialize(entry, JournalJson.Default.CommittedFile));
    }

    /// <inheritdoc/>
    public ResumeEntry? Load(Uri endpoint, string storePath)
    {
        var file = FileFor(endpoint, storePath);
        try
        {
            var entry = JsonSerializer.Deserialize(File.ReadAllText(file), JournalJson.Default.ResumeEntry);
            return entry is not null && entry.StorePath == storePath && SameEndpoint(entry.Endpoint, endpoint) ? entry : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null; // none, or unreadable: the upload starts over, which is always safe
        }
    }

    /// <inheritdoc/>
    public void Save(ResumeEntry entry)
    {
        System.IO.Directory.CreateDirectory(Directory);
        WriteAtomically(FileFor(entry.Endpoint, entry.StorePath), JsonSerializer.Serialize(entry, JournalJson.Default.ResumeEntry));
    }

    private static void WriteAtomically(string file, string text)
    {
        var temp = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, file, overwrite: true);
    }

    /// <inheritdoc/>
    public void Delete(Uri endpoint, string storePath)
    {
        try
        {
            File.Delete(FileFor(endpoint, storePath));
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <inheritdoc/>
    public int ForgetSession(Guid sessionId)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllText(file), JournalJson.Default.ResumeEntry)?.SessionId == sessionId)
                {
                    File.Delete(file);
                    removed++;
                }
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
            }
        }

        return removed;
    }

    private string FileFor(Uri endpoint, string storePath) => Path.Combine(Directory, Name(endpoint, storePath));

    private string CommittedFileFor(Uri endpoint, string storePath) => Path.Combine(Directory, "committed", Name(endpoint, storePath));

    private static string Name(Uri endpoint, string storePath) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key(endpoint) + "\n" + storePath)))[..32] + ".json";

    private static string Key(Uri endpoint) => endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/').ToLowerInvariant();

    private static bool SameEndpoint(Uri a, Uri b) => Key(a) == Key(b);
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ResumeEntry))]
[JsonSerializable(typeof(CommittedFile))]
internal sealed partial class JournalJson : JsonSerializerContext;
