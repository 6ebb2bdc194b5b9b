using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using BlobImageStore.Content;
using BlobImageStore.Errors;
using BlobImageStore.Http;
using BlobImageStore.Http.Operations;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using Microsoft.AspNetCore.Http;

namespace BlobImageStore.UnitTests;

public class StoreNameRuleTests
{
    [Theory]
    [InlineData("a./b")]
    [InlineData("a/b.")]
    [InlineData("a/b/...")]
    [InlineData("a/\uE000.txt")]
    [InlineData("a/\uFFFF")]
    [InlineData("a/\uFDD0")]
    [InlineData("$")]
    [InlineData("a/$/b")]
    public void Names_Azure_refuses_are_invalid_name_uri(string path)
    {
        Assert.False(StorePath.TryParse(path, out _, out var error));
        var e = ErrorCatalogue.ToError(error);

        Assert.Equal(FabricErrorCodes.InvalidNameUri, e.Code);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.Status);
    }

    [Fact]
    public void Unpaired_surrogates_are_invalid_name_uri()
    {
        // Built here: attribute arguments cannot hold a lone surrogate (it becomes U+FFFD when compiled).
        foreach (var path in new[] { "a/" + (char)0xD800 + "x", "a/x" + (char)0xDC00, "a/" + (char)0xDC00 + (char)0xD800 })
        {
            Assert.False(StorePath.TryParse(path, out _, out var error));
            Assert.Equal(FabricErrorCodes.InvalidNameUri, ErrorCatalogue.ToError(error).Code);
        }
    }

    [Theory]
    [InlineData("a/_.dir")]
    [InlineData("a/.hidden")]
    [InlineData("a/b.c/d")]
    [InlineData("a/with space.txt")]
    [InlineData("a/\U0001F600.txt")]
    [InlineData("Ünïcödé/文件.xml")]
    [InlineData("a/$b/c$")]
    public void Ordinary_names_pass(string path)
    {
        Assert.Equal(path, StorePath.Parse(path).Value);
    }
}

public class ContinuationTokenTests
{
    [Fact]
    public void A_token_carries_the_marker_for_the_listing_it_came_from()
    {
        var path = StorePath.Parse("a/b");
        var token = ContinuationToken.Encode(path, "2!96!MDAwMDM4IWF8Yg--");

        Assert.Equal("2!96!MDAwMDM4IWF8Yg--", ContinuationToken.Decode(token, path));
        Assert.Equal("m", ContinuationToken.Decode(ContinuationToken.Encode(null, "m"), null));
        Assert.DoesNotContain('+', token);
        Assert.DoesNotContain('/', token);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("")]
    [InlineData("YWJj")]
    public void Made_up_tokens_are_not_this_servers(string token)
    {
        Assert.Null(ContinuationToken.Decode(token, null));
        Assert.Null(ContinuationToken.DecodePosition(token, null));
    }

    [Fact]
    public void A_token_of_another_listing_is_not_this_listings()
    {
        var token = ContinuationToken.Encode(StorePath.Parse("a"), "marker");
        var position = ContinuationToken.Encode(StorePath.Parse("a"), new ListPosition("marker", "a/x"));

        Assert.Null(ContinuationToken.Decode(token, StorePath.Parse("b")));
        Assert.Null(ContinuationToken.Decode(token, null));
        Assert.Null(ContinuationToken.DecodePosition(position, StorePath.Parse("b")));
        Assert.Equal(new ListPosition("marker", "a/x"), ContinuationToken.DecodePosition(position, StorePath.Parse("a")));
    }
}

public class FileVersionTests
{
    [Fact]
    public void Azure_etags_are_read_as_their_number()
    {
        Assert.Equal("637116654997342672", FileVersions.VersionNumber("\"0x8D77E38DD9A09D0\""));
        Assert.Equal("255", FileVersions.VersionNumber("0xFF"));
    }

    [Fact]
    public void Other_etags_give_a_stable_number_that_differs_per_etag()
    {
        var a = FileVersions.VersionNumber("\"abc\"");

        Assert.Equal(a, FileVersions.VersionNumber("\"abc\""));
        Assert.NotEqual(a, FileVersions.VersionNumber("\"abd\""));
        Assert.True(long.TryParse(a, out var n) && n >= 0);
        Assert.True(long.TryParse(FileVersions.VersionNumber("\"0x1234567890ABCDEF12\""), out _));
    }
}

public class FileBlockIdTests
{
    [Fact]
    public void Whole_file_block_ids_have_the_session_block_id_length_and_are_never_taken_for_chunk_blocks()
    {
        var upload = Guid.NewGuid();
        var ids = Enumerable.Range(0, 3).Select(i => FileBlockId.Encode(upload, i)).ToList();

        Assert.All(ids, id => Assert.Equal(BlockId.EncodedLength, id.Length));
        Assert.All(ids, id => Assert.False(BlockId.TryDecode(id, out _)));
        Assert.Equal(3, ids.Distinct().Count());
        Assert.NotEqual(ids[0], FileBlockId.Encode(Guid.NewGuid(), 0));
    }
}

public class ClusterManifestTests
{
    [Fact]
    public void The_dotnet_client_finds_fabric_ImageStore_in_the_manifest()
    {
        // As Microsoft.ServiceFabric.Client.Http reads it: the namespace from the root's xmlns attribute, then an XPath.
        var cluster = XDocument.Parse(GetClusterManifest.BuildManifest());
        var names = new XmlNamespaceManager(new NameTable());
        names.AddNamespace("ns", cluster.Root!.Attribute("xmlns")!.Value);
        var parameter = cluster.XPathSelectElement(
            "/ns:ClusterManifest/ns:FabricSettings/ns:Section[@Name='Management']/ns:Parameter[@Name='ImageStoreConnectionString']", names);

        Assert.Equal("fabric:ImageStore", parameter!.Attribute("Value")!.Value);
    }
}

public class OptionsValidatorTests
{
    [Theory]
    [InlineData("imagestore", "imagestore", false)]
    [InlineData("imagestore", "imagestore-sessions", true)]
    public void Session_records_must_live_apart_from_the_files(string container, string sessions, bool valid)
    {
        var result = new ImageStoreOptionsValidator().Validate(null, new ImageStoreOptions { Container = container, SessionContainer = sessions });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("ImageStore:SessionContainer", result.FailureMessage);
        }
    }
}

public class ImageStoreRequestTests
{
    [Theory]
    [InlineData("/$/GetClusterManifest", true, "GetClusterManifest", false)]
    [InlineData("/ImageStore/$/Copy", false, "Copy", false)]
    [InlineData("/ImageStore/a%2Fb/$/FolderSize", false, "FolderSize", true)]
    [InlineData("/ImageStore/a/b", false, null, true)]
    [InlineData("/ImageStore", false, null, false)]
    public void Cluster_level_and_image_store_routes_are_told_apart(string target, bool clusterLevel, string? operation, bool hasPath)
    {
        var http = new DefaultHttpContext();
        http.Request.Path = target;

        var request = ImageStoreRequest.FromHttp(http)!;

        Assert.Equal((clusterLevel, operation, hasPath), (request.IsClusterLevel, request.Operation, request.HasContentPath));
    }

    [Fact]
    public void Other_targets_are_not_ours()
    {
        var http = new DefaultHttpContext();
        http.Request.Path = "/Applications";

        Assert.Null(ImageStoreRequest.FromHttp(http));
    }

    [Fact]
    public void Cluster_level_routes_print_at_the_gateway_root()
    {
        Assert.Equal("GET /$/GetClusterManifest", new OperationRoute("GET", "GetClusterManifest", false, ClusterLevel: true).ToString());
        Assert.Equal("GET /ImageStore/{contentPath}", new OperationRoute("GET", null, true).ToString());
    }
}
