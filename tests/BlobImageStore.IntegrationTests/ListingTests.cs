using System.Net;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>GetImageStoreContent and GetImageStoreRootContent: folders from blob prefixes, paging, 204 and 404.</summary>
[Collection(StoreCollection.Name)]
public sealed class ListingTests(StoreFixture store)
{
    private ImageStoreApi Api => store.Api;

    [Fact]
    public async Task A_folder_lists_its_files_and_subfolders_with_their_file_counts_at_any_depth()
    {
        var pkg = $"it-{Guid.NewGuid():N}";
        await Api.PutFileOkAsync($"{pkg}/ApplicationManifest.xml", TestData.Bytes(23, 1));
        await Api.PutFileOkAsync($"{pkg}/_.dir", []);
        await Api.PutFileOkAsync($"{pkg}/Code/a.bin", TestData.Bytes(100, 2));
        await Api.PutFileOkAsync($"{pkg}/Code/sub/b.bin", TestData.Bytes(5, 3));
        await Api.PutFileOkAsync($"{pkg}/Code/sub/deeper/c.bin", TestData.Bytes(5, 4));
        await Api.PutFileOkAsync($"{pkg}/Config/d.txt", TestData.Bytes(1, 5));

        var content = await Api.ListOkAsync(pkg);

        Assert.Equal([Win.Path($"{pkg}/ApplicationManifest.xml"), Win.Path($"{pkg}/_.dir")], content.StoreFiles.Select(f => f.StoreRelativePath).Order());
        Assert.Equal("23", content.File(Win.Path($"{pkg}/ApplicationManifest.xml")).FileSize);
        Assert.Equal([(Win.Path($"{pkg}/Code"), "3"), (Win.Path($"{pkg}/Config"), "1")],
            content.StoreFolders.Select(f => (f.StoreRelativePath, f.FileCount)).Order());
        Assert.Null(content.ContinuationToken);
        var file = content.File(Win.Path($"{pkg}/_.dir"));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", file.ModifiedDate);
        Assert.True(ulong.TryParse(file.FileVersion.VersionNumber, out _), file.FileVersion.VersionNumber);
        Assert.Equal(("0", "0"), (file.FileVersion.EpochDataLossNumber, file.FileVersion.EpochConfigurationNumber));
    }

    [Fact]
    public async Task A_path_naming_a_file_lists_that_file_and_its_version_moves_when_it_is_rewritten()
    {
        var path = TestData.NewPath("Settings.xml");
        await Api.PutFileOkAsync(path, TestData.Bytes(7, 1));
        var first = Assert.Single((await Api.ListOkAsync(path)).StoreFiles);

        await Api.PutFileOkAsync(path, TestData.Bytes(9, 2));
        var content = await Api.ListOkAsync(Uri.EscapeDataString(path));

        var second = Assert.Single(content.StoreFiles);
        Assert.Empty(content.StoreFolders);
        Assert.Equal((Win.Path(path), "9"), (second.StoreRelativePath, second.FileSize));
        Assert.NotEqual(first.FileVersion.VersionNumber, second.FileVersion.VersionNumber);
    }

    [Fact]
    public async Task Staged_chunks_alone_are_not_a_file()
    {
        var path = TestData.NewPath();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, Guid.NewGuid(), TestData.Bytes(10, 1), 0, 4));

        Assert.Equal(HttpStatusCode.NotFound, (await Api.ListAsync(path)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.ListAsync(path[..path.IndexOf('/')])).Status);
    }

    [Theory]
    [InlineData("6.2", null)]
    [InlineData("9.1", null)]
    [InlineData("6.0", "application/json")]
    public async Task A_missing_path_is_404_with_no_body_and_below_6_2_a_json_content_type(string apiVersion, string? contentType)
    {
        var listing = await Api.ListAsync($"missing-{Guid.NewGuid():N}%2Fthing", apiVersion: apiVersion);

        Assert.Equal(HttpStatusCode.NotFound, listing.Status);
        Assert.Equal(string.Empty, listing.Body);
        Assert.Equal(contentType, listing.ContentType);
    }

    [Theory]
    [InlineData("GET", "/ImageStore/$?api-version=6.2")]
    [InlineData("PUT", "/ImageStore/a/$?api-version=6.0")]
    [InlineData("DELETE", "/ImageStore/$?api-version=6.0")]
    public async Task A_dollar_segment_is_an_invalid_name_not_a_missing_file(string method, string target)
    {
        var response = await RawHttp.SendAsync(store.Server.Address, method, target, [], ReadOnlyMemory<byte>.Empty, RawFraming.None);

        Assert.Equal(400, response.Status);
        SpecSchema.AssertValid(response.Body, "FabricError");
        Assert.Contains("FABRIC_E_INVALID_NAME_URI", response.Body);
    }

    [Fact]
    public async Task A_file_and_a_folder_of_the_same_name_list_as_the_folder_and_the_file_shows_in_the_parent()
    {
        var parent = $"it-{Guid.NewGuid():N}";
        await Api.PutFileOkAsync($"{parent}/x", TestData.Bytes(3, 1));
        await Api.PutFileOkAsync($"{parent}/x/y", TestData.Bytes(4, 2));

        var x = await Api.ListOkAsync($"{parent}/x");
        var top = await Api.ListOkAsync(parent);

        Assert.Equal(Win.Path($"{parent}/x/y"), Assert.Single(x.StoreFiles).StoreRelativePath);
        Assert.Equal(Win.Path($"{parent}/x"), Assert.Single(top.StoreFiles).StoreRelativePath);
        Assert.Equal("1", top.Folder(Win.Path($"{parent}/x")).FileCount);
    }

    [Fact]
    public async Task The_root_of_an_empty_store_is_204_and_then_lists_its_top_level_entries()
    {
        await using var iso = await IsolatedStore.StartAsync(store);

        foreach (var version in new[] { "6.0", "6.2" })
        {
            var empty = await iso.Api.ListAsync(null, apiVersion: version);
            Assert.Equal((HttpStatusCode.NoContent, string.Empty), (empty.Status, empty.Body));
        }

        await iso.Api.PutFileOkAsync("a/b.txt", [1]);
        await iso.Api.PutFileOkAsync("a/c/d.txt", [1]);
        await iso.Api.PutFileOkAsync("top.txt", [1, 2]);

        var root = await iso.Api.ListOkAsync(null);
        Assert.Equal("top.txt", Assert.Single(root.StoreFiles).StoreRelativePath);
        Assert.Equal(("a", "2"), (Assert.Single(root.StoreFolders).StoreRelativePath, root.StoreFolders[0].FileCount));
    }

    [Fact]
    public async Task Listings_are_paged_with_a_continuation_token_and_answer_with_the_configured_separator()
    {
        await using var iso = await IsolatedStore.StartAsync(store, new Dictionary<string, string>
        {
            ["ImageStore__ListPageSize"] = "2",
            ["ImageStore__ResponsePathSeparator"] = "/",
        });
        var expected = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await iso.Api.PutFileOkAsync($"pkg/f{i}.txt", [1]);
            expected.Add($"pkg/f{i}.txt");
        }

        await iso.Api.PutFileOkAsync("pkg/A/x.txt", [1]);
        await iso.Api.PutFileOkAsync("pkg/B/y.txt", [1]);
        expected.AddRange(["pkg/A", "pkg/B"]);

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await iso.Api.ListAsync("pkg", token);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            var entries = page.Content!.StoreFiles.Select(f => f.StoreRelativePath).Concat(page.Content.StoreFolders.Select(f => f.StoreRelativePath)).ToList();
            Assert.InRange(entries.Count, 1, 2);
            seen.AddRange(entries);
            token = page.Content.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(expected.Order(), seen.Order());
        Assert.Equal(4, pages);

        var first = (await iso.Api.ListAsync("pkg")).Content!.ContinuationToken!;
        await AssertBadTokenAsync(iso.Api, "pkg", "not-a-token");
        await AssertBadTokenAsync(iso.Api, "pkg/A", first);
        await AssertBadTokenAsync(iso.Api, null, first);
    }

    private static async Task AssertBadTokenAsync(ImageStoreApi api, string? path, string token)
    {
        var url = (path is null ? "/ImageStore" : $"/ImageStore/{path}") + $"?api-version=6.2&ContinuationToken={Uri.EscapeDataString(token)}";
        var message = await Fabric.AssertErrorAsync(await api.Http.GetAsync(url), HttpStatusCode.BadRequest, "E_INVALIDARG");
        Assert.Contains("ContinuationToken", message);
    }
}
