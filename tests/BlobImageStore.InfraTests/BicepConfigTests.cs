namespace BlobImageStore.InfraTests;

/// <summary>
/// infra/bicepconfig.json really is in force and really makes the rules this infra relies on errors: a copy of it
/// next to a file that breaks each of them (in a temporary folder, not under infra/) must fail lint with every one.
/// </summary>
public sealed class BicepConfigTests(BicepConfigTests.BrokenTemplateLint lint) : IClassFixture<BicepConfigTests.BrokenTemplateLint>
{
    [Theory]
    [InlineData("use-recent-api-versions")]
    [InlineData("secure-secrets-in-params")]
    [InlineData("use-secure-value-for-secure-inputs")]
    [InlineData("no-hardcoded-env-urls")]
    [InlineData("no-unused-params")]
    [InlineData("adminusername-should-not-be-literal")]
    public void Rule_is_an_error(string rule)
    {
        Assert.NotEqual(0, lint.Result.ExitCode);
        Assert.Contains(lint.Result.Diagnostics, d => d.Code == rule && d.Level == "Error");
    }

    /// <summary>Lints the broken file once for all the cases.</summary>
    public sealed class BrokenTemplateLint : IDisposable
    {
        // Each part breaks the rules named beside it.
        private const string BrokenTemplate = """
            param location string = resourceGroup().location

            @description('secure-secrets-in-params: a secret passed as a plain string.')
            param adminPassword string

            @description('no-unused-params.')
            param unused string

            // use-recent-api-versions: 2018 is far older than two years.
            resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2018-11-30' = {
              name: 'id'
              location: location
            }

            // adminusername-should-not-be-literal; use-secure-value-for-secure-inputs (a secure property fed from a
            // plain parameter; this API version's type data marks adminPassword secure).
            resource vm 'Microsoft.Compute/virtualMachines@2025-04-01' = {
              name: 'vm'
              location: location
              properties: {
                osProfile: {
                  computerName: 'vm'
                  adminUsername: 'azureuser'
                  adminPassword: adminPassword
                }
              }
            }

            // no-hardcoded-env-urls.
            output blobHost string = 'https://example.blob.core.windows.net/'
            """;

        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bicepconfig-check-");

        public BrokenTemplateLint()
        {
            File.Copy(Path.Combine(Repo.Infra, "bicepconfig.json"), Path.Combine(_dir.FullName, "bicepconfig.json"));
            var file = Path.Combine(_dir.FullName, "broken.bicep");
            File.WriteAllText(file, BrokenTemplate);
            Result = BicepCli.Run("lint", file);
        }

        public BicepResult Result { get; }

        public void Dispose() => _dir.Delete(recursive: true);
    }
}
