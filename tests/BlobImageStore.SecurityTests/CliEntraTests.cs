using System.Net;
using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.SecurityTests.Infrastructure;

namespace BlobImageStore.SecurityTests;

public sealed partial class ClientEntraTests
{
    /// <summary>
    /// <c>imagestore --aad</c> end to end without network: DefaultAzureCredential restricted to its Azure CLI part
    /// (<c>AZURE_TOKEN_CREDENTIALS=AzureCliCredential</c>, a documented Azure.Identity setting) runs an <c>az</c> that
    /// is a script on PATH, answering with a token signed by the local issuer and writing down what it was asked for.
    /// </summary>
    [Fact]
    public async Task The_cli_aad_option_asks_DefaultAzureCredential_for_the_cluster_application_of_GetAadMetadata()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the stand-in az is a shell script
        }

        var bin = Directory.CreateTempSubdirectory("imagestore-fake-az-").FullName;
        try
        {
            var asked = Path.Combine(bin, "asked.txt");
            var token = fixture.Token(["Admin"]);
            var expires = DateTimeOffset.UtcNow.AddHours(1);
            var az = Path.Combine(bin, "az");
            await File.WriteAllTextAsync(az, $$"""
                #!/bin/sh
                echo "$@" >> '{{asked}}'
                echo '{"accessToken":"{{token}}","expiresOn":"{{expires.LocalDateTime:yyyy-MM-dd HH:mm:ss.ffffff}}","expires_on":{{expires.ToUnixTimeSeconds()}},"tenant":"{{EntraServerFixture.Tenant}}","tokenType":"Bearer"}'
                """.ReplaceLineEndings("\n"));
            File.SetUnixFileMode(az, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var local = Path.Combine(bin, "file.txt");
            await File.WriteAllTextAsync(local, "uploaded with --aad");
            var environment = new Dictionary<string, string>
            {
                ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
                ["AZURE_TOKEN_CREDENTIALS"] = "AzureCliCredential",
            };

            using var cli = CliProcess.StartIn(Directory.CreateTempSubdirectory("imagestore-journal-").FullName, bin, environment,
                "upload", "file.txt", "cli-entra/file.txt", "--endpoint", fixture.Server.Address.ToString(), "--aad");
            var result = await cli.WaitAsync(TimeSpan.FromSeconds(120));
            Assert.True(result.ExitCode == 0, result.ToString());
            var question = await File.ReadAllTextAsync(asked);
            Assert.Contains($"--resource {EntraServerFixture.ClusterApplication}", question);
            Assert.Contains($"--tenant {EntraServerFixture.Tenant}", question);
            Assert.DoesNotContain(token, result.Stdout + result.Stderr);
            var listing = await fixture.Client.SendAsync(() => Calls.List().WithBearer(fixture.Token(["User"])));
            Assert.Contains("cli-entra", listing.Is(HttpStatusCode.OK).Body);
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public async Task Device_code_sign_in_is_refused_when_no_one_is_at_a_terminal()
    {
        var result = await CliProcess.RunAsync(Directory.CreateTempSubdirectory("imagestore-journal-").FullName,
            "ls", "--endpoint", fixture.Server.Address.ToString(), "--aad", "--device-code");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("not an interactive terminal", result.Stderr);
        Assert.Contains("use --aad alone", result.Stderr);
    }
}
