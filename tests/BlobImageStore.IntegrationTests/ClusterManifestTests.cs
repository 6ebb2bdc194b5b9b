using System.Net;
using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>The cluster manifest shim at <c>/$/GetClusterManifest</c>, outside <c>/ImageStore</c>.</summary>
[Collection(StoreCollection.Name)]
public sealed class ClusterManifestTests(StoreFixture store)
{
    /// <summary>Reads the image store connection string the way the official .NET client does (ClusterClient.GetImageStoreConnectionStringAsync).</summary>
    public static string ImageStoreConnectionString(string manifest)
    {
        var cluster = XDocument.Parse(manifest);
        var names = new XmlNamespaceManager(new NameTable());
        names.AddNamespace("ns", cluster.Root!.Attribute("xmlns")!.Value);
        return cluster.XPathSelectElement(
                "/ns:ClusterManifest/ns:FabricSettings/ns:Section[@Name='Management']/ns:Parameter[@Name='ImageStoreConnectionString']", names)!
            .Attribute("Value")!.Value;
    }

    [Fact]
    public async Task The_manifest_tells_the_dotnet_client_to_upload_over_http()
    {
        var manifest = await store.Api.ClusterManifestAsync();

        Assert.Equal("fabric:ImageStore", ImageStoreConnectionString(manifest));
        Assert.StartsWith("<?xml", manifest);
        Assert.Equal("ClusterManifest", XDocument.Parse(manifest).Root!.Name.LocalName);
    }

    [Theory]
    [InlineData("GET", "/$/GetClusterManifest")]
    [InlineData("POST", "/$/GetClusterManifest?api-version=6.0")]
    [InlineData("GET", "/$/GetClusterManifest?api-version=10.0")]
    public async Task Wrong_methods_and_api_versions_are_invalid_argument(string method, string url)
    {
        using var response = await store.Api.SendAsync(new HttpMethod(method), url);

        await Fabric.AssertErrorAsync(response, HttpStatusCode.BadRequest, "E_INVALIDARG");
    }

    [Fact]
    public async Task The_manifest_route_answers_only_at_the_gateway_root()
    {
        using var response = await store.Api.Http.GetAsync("/ImageStore/$/GetClusterManifest?api-version=6.0");

        var message = await Fabric.AssertErrorAsync(response, HttpStatusCode.BadRequest, "E_INVALIDARG");
        Assert.Contains("GET /$/GetClusterManifest", message);
    }
}
