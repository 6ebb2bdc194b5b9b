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
    public bool Matches(LocalFileIdentity file) =>
        FileSize == file.Size && LastWriteUtc == file.LastWriteUtc && string.Equals(Fingerprint, file.Fingerprint, StringComparison.Ordinal);
}

/// <summary>Resume journal storage, one entry per (endpoint, store path).</summary>
public interface IResumeJournal
{
    ResumeEntry? Load(Uri endpoint, string storePath);

    void Save(ResumeEntry entry);

    void Delete(Uri endpoint, string storePath);

    /// <summary>Removes the entries naming this session (after it was deleted by hand); returns how many.</summary>
    int ForgetSession(Guid sessionId);
}

/// <summary>Where the file journal lives.</summary>
public sealed class UploadJournalOptions
{
    /// <summary>Default: <c>{LocalApplicationData}/BlobImageStore/uploads</c> (on Linux <c>~/.local/share/…</c>).</summary>
    public string Directory { get; set; } = DefaultDirectory;

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
/// (temporary file, then rename) so a kill mid-write leaves the old entry or the new one, never half of one.
/// </summary>
public sealed class FileResumeJournal(string directory) : IResumeJournal
{
    public string Directory { get; } = directory;

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

    public void Save(ResumeEntry entry)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var file = FileFor(entry.Endpoint, entry.StorePath);
        var temp = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(entry, JournalJson.Default.ResumeEntry));
        File.Move(temp, file, overwrite: true);
    }

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

    private string FileFor(Uri endpoint, string storePath)
    {
        var key = Key(endpoint) + "\n" + storePath;
        return Path.Combine(Directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32] + ".json");
    }

    private static string Key(Uri endpoint) => endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/').ToLowerInvariant();

    private static bool SameEndpoint(Uri a, Uri b) => Key(a) == Key(b);
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ResumeEntry))]
internal sealed partial class JournalJson : JsonSerializerContext;
