using System.Text.Json;
using System.Text.Json.Serialization;

namespace BlobImageStore.Cli;

/// <summary>
/// How to reach a store: the endpoint and the security settings. What <c>imagestore cluster select</c> saves (paths to
/// the certificate files, never their contents, and no key or token) and what every command connects with.
/// </summary>
public sealed record ClusterProfile
{
    /// <summary>The image store address.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>Client certificate and key in one PEM file (<c>--pem</c>).</summary>
    public string? Pem { get; init; }

    /// <summary>Client certificate file (<c>--cert</c>, with <see cref="Key"/>).</summary>
    public string? Cert { get; init; }

    /// <summary>Private key file of <see cref="Cert"/> (<c>--key</c>).</summary>
    public string? Key { get; init; }

    /// <summary>CA bundle, folder of CAs, or the server's own certificate to trust (<c>--ca</c>).</summary>
    public string? Ca { get; init; }

    /// <summary>The server's certificate is not checked (<c>--insecure</c>, <c>--no-verify</c>).</summary>
    public bool Insecure { get; init; }

    /// <summary>Entra ID tokens for the cluster application (<c>--aad</c>).</summary>
    public bool Aad { get; init; }

    /// <summary>Sign in with a device code on the terminal rather than DefaultAzureCredential (<c>--device-code</c>).</summary>
    public bool DeviceCode { get; init; }
}

/// <summary>
/// The saved profile: <c>cluster.json</c> in <c>$XDG_CONFIG_HOME/imagestore/</c> (<c>~/.config/imagestore/</c> when
/// XDG_CONFIG_HOME is not set; <c>%APPDATA%\imagestore\</c> on Windows), written with mode 600 in a folder with mode 700.
/// </summary>
public static class ProfileStore
{
    /// <summary>The profile file's path.</summary>
    public static string FilePath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "imagestore", "cluster.json");

    /// <summary>The saved profile, or null when there is none.</summary>
    /// <exception cref="CliException">The file is there but cannot be read as a profile.</exception>
    public static ClusterProfile? Load()
    {
        var path = FilePath;
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ProfileJson.Default.ClusterProfile)
                ?? throw new JsonException("the file holds null");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, "profile", $"The saved cluster profile {path} cannot be read: {e.Message}",
                "run 'imagestore cluster select --endpoint <address> …' again to rewrite it, or pass --endpoint.");
        }
    }

    /// <summary>Writes <paramref name="profile"/> (mode 600 from its creation: the file is written aside and moved in place).</summary>
    public static string Save(ClusterProfile profile)
    {
        var path = FilePath;
        var folder = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temp = Path.Combine(folder, $".cluster.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, profile, ProfileJson.Default.ClusterProfile);
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }
}

/// <summary>The profile file's JSON: camelCase, indented, unset members left out.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(ClusterProfile))]
internal sealed partial class ProfileJson : JsonSerializerContext;
