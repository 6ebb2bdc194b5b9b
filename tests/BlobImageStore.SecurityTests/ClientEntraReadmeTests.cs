using Azure.Core;
using BlobImageStore.Client;
using BlobImageStore.SecurityTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlobImageStore.SecurityTests;

public sealed partial class ClientEntraTests
{
    private const string EntraExampleText = """
        services.AddImageStoreClient(o =>
        {
            o.Endpoint = endpoint;
            o.Credential = credential;   // e.g. new DefaultAzureCredential(); asked for "{cluster}/.default" of GET /$/GetAadMetadata
        });
        await using var provider = services.BuildServiceProvider();
        var writer = provider.GetRequiredService<IImageStoreWriter>();
        await writer.UploadFileAsync(storePath, content);
        """;

    [Fact]
    public async Task The_entra_example_in_the_client_readme_runs_as_written()
    {
        ReadmeExamples.AssertIsRunCode("entra", "ClientEntraReadmeTests.cs", EntraExampleText);
        var credential = new IssuerCredential(fixture, ["Admin"]);
        var services = new ServiceCollection();
        services.AddLogging();
        await EntraExample(services, fixture.Server.Address, credential, "readme-entra/file.txt", "hello"u8.ToArray());
        Assert.Equal([$"{EntraServerFixture.ClusterApplication}/.default"], credential.Scopes.Distinct());
        var listing = await fixture.Client.SendAsync(() => Calls.List().WithBearer(fixture.Token(["User"])));
        Assert.Contains("readme-entra", listing.Body);
    }

    private static async Task EntraExample(IServiceCollection services, Uri endpoint, TokenCredential credential, string storePath, byte[] content)
    {
        // readme:entra:begin
        services.AddImageStoreClient(o =>
        {
            o.Endpoint = endpoint;
            o.Credential = credential;   // e.g. new DefaultAzureCredential(); asked for "{cluster}/.default" of GET /$/GetAadMetadata
        });
        await using var provider = services.BuildServiceProvider();
        var writer = provider.GetRequiredService<IImageStoreWriter>();
        await writer.UploadFileAsync(storePath, content);
        // readme:entra:end
    }
}
