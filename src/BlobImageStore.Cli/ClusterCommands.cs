using System.CommandLine;
using BlobImageStore.Client;
using Microsoft.Extensions.DependencyInjection;

namespace BlobImageStore.Cli;

/// <summary>The saved profile as <c>cluster select</c> and <c>cluster show</c> print it (README "JSON output").</summary>
public sealed record ClusterOutput(string Profile, Uri Endpoint, string? Pem, string? Cert, string? Key, string? Ca, bool Insecure, bool Aad, bool DeviceCode)
{
    /// <summary>The output of <paramref name="profile"/> saved at <paramref name="path"/>.</summary>
    public static ClusterOutput Of(ClusterProfile profile, string path) =>
        new(path, profile.Endpoint, profile.Pem, profile.Cert, profile.Key, profile.Ca, profile.Insecure, profile.Aad, profile.DeviceCode);

    /// <summary>Aligned lines for people: only what is set.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"endpoint     {Endpoint}";
        foreach (var (name, value) in new[] { ("pem", Pem), ("cert", Cert), ("key", Key), ("ca", Ca) })
        {
            if (value is not null)
            {
                yield return $"{name,-12} {value}";
            }
        }

        if (Aad)
        {
            yield return $"aad          {(DeviceCode ? "device code" : "DefaultAzureCredential")}";
        }

        if (Insecure)
        {
            yield return "insecure     the server's certificate is not checked";
        }

        yield return $"profile      {Profile}";
    }
}

/// <summary>
/// <c>imagestore cluster select</c> and <c>show</c>: a saved connection (sfctl's habit), so that later commands need no
/// <c>--endpoint</c> and no security options. Paths to the certificate files are saved, never their contents.
/// </summary>
public static class ClusterCommands
{
    /// <summary>The <c>cluster</c> command.</summary>
    public static Command Build(Runner run, GlobalOptions global)
    {
        var select = new Command("select",
            "Check and save a connection (--endpoint and --pem, --cert/--key, --aad, --ca or --insecure) for later commands that are given no --endpoint");
        select.SetAction((parse, ct) => run.RunAsync(parse, "cluster select", async (services, output) =>
        {
            if (!GlobalOptions.Given(parse, global.Endpoint))
            {
                throw new CliException(ExitCodes.Usage, "usage", "cluster select needs --endpoint: the address to save.",
                    "imagestore cluster select --endpoint https://host:19080 [--pem client.pem | --cert c.crt --key c.key | --aad] [--ca ca.pem | --insecure]");
            }

            var (connection, _) = global.ResolveConnection(parse, useProfile: false);
            var client = services.GetRequiredService<ImageStoreClient>();
            // As sfctl's select: the connection is tried before it is saved. GetAadMetadata checks TLS (anonymous); the
            // listing checks that the certificate or token is accepted.
            var metadata = await client.GetAadMetadataAsync(ct);
            if (connection.Aad && !metadata.IsAad)
            {
                throw new CliException(ExitCodes.Rejected, "not-aad",
                    $"{connection.Endpoint} does not take Entra ID tokens (GetAadMetadata type '{metadata.Type}').",
                    "use a client certificate (--pem, or --cert and --key) instead of --aad.");
            }

            await client.ListPageAsync(null, null, ct);
            var path = ProfileStore.Save(connection);
            output.Write(ClusterOutput.Of(connection, path), CliJson.Output.ClusterOutput, r => r.Lines());
            return ExitCodes.Success;
        }, ct));

        var show = new Command("show", "Print the saved connection");
        show.SetAction((parse, ct) => run.RunAsync(parse, "cluster show", (_, output) =>
        {
            var profile = ProfileStore.Load() ?? throw new CliException(ExitCodes.NotFound, "no-profile",
                $"no cluster is selected: there is no profile at {ProfileStore.FilePath}.",
                "save one with 'imagestore cluster select --endpoint <address> …'.");
            output.Write(ClusterOutput.Of(profile, ProfileStore.FilePath), CliJson.Output.ClusterOutput, r => r.Lines());
            return Task.FromResult(ExitCodes.Success);
        }, ct, connect: false));

        return new Command("cluster", "The saved connection (endpoint, client certificate or Entra ID, trusted CA) that commands use without --endpoint")
        {
            select, show,
        };
    }
}
