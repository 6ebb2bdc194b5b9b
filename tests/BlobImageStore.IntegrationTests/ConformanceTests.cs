using System.Net;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// Conformance with spec/servicefabric-imagestore.json: every operation is served, every 200 body validates
/// against its definition, every error body against FabricError, and the validation is strict enough to catch what
/// clients would trip over.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class ConformanceTests(StoreFixture store)
{
    [Theory]
    [InlineData("""{"StoreFiles":[{"FileSize":3,"FileVersion":{"VersionNumber":"1","EpochDataLossNumber":"0","EpochConfigurationNumber":"0"},"ModifiedDate":"2026-01-01T00:00:00.000Z","StoreRelativePath":"a"}],"StoreFolders":[]}""")]
    [InlineData("""{"StoreFiles":[{"fileSize":"3","FileVersion":{"VersionNumber":"1","EpochDataLossNumber":"0","EpochConfigurationNumber":"0"},"ModifiedDate":"2026-01-01T00:00:00.000Z","StoreRelativePath":"a"}],"StoreFolders":[]}""")]
    [InlineData("""{"StoreFiles":[],"StoreFolders":[{"StoreRelativePath":"a","FileCount":"1","Extra":true}]}""")]
    [InlineData("""{"StoreFiles":[{"FileSize":"3","FileVersion":{"VersionNumber":"1","EpochDataLossNumber":"0","EpochConfigurationNumber":"0"},"ModifiedDate":"yesterday","StoreRelativePath":"a"}],"StoreFolders":[]}""")]
    [InlineData("""{"StoreFiles":[],"StoreFolders":[],"ContinuationToken":""}""")]
    [InlineData("""{"StoreFolders":[]}""")]
    public void The_validator_refuses_numbers_wrong_casing_extra_members_bad_dates_and_missing_lists(string body)
    {
        Assert.NotEmpty(SpecSchema.Validate(body, "ImageStoreContent"));
    }

    [Fact]
    public void The_validator_accepts_the_documented_extras()
    {
        Assert.Empty(SpecSchema.Validate("""{"StoreFiles":[],"StoreFolders":[],"ContinuationToken":"abc"}""", "ImageStoreContent"));
        Assert.Empty(SpecSchema.Validate("""{"Error":{"Code":"FABRIC_E_UPLOAD_SESSION_ID_CONFLICT","Message":"m"}}""", "FabricError"));
        Assert.NotEmpty(SpecSchema.Validate("""{"Error":{"Code":"FABRIC_E_MADE_UP","Message":"m"}}""", "FabricError"));
        Assert.NotEmpty(SpecSchema.Validate("""{"Error":{"code":"E_INVALIDARG","Message":"m"}}""", "FabricError"));
    }

    [Fact]
    public async Task Every_operation_is_served_and_every_answer_matches_the_spec()
    {
        await using var iso = await IsolatedStore.StartAsync(store);
        var api = iso.Api;
        var file = TestData.Bytes(100_000, 41);
        var session = Guid.NewGuid();

        // 13 image store operations and the manifest shim, each checked by the helpers: 200 bodies against their
        // definitions, no-body operations for an empty 200, errors against FabricError.
        Assert.Equal(GetClusterManifestValue, ClusterManifestValue(await api.ClusterManifestAsync()));                  // shim
        Assert.Equal(HttpStatusCode.NoContent, (await api.ListAsync(null, apiVersion: "6.0")).Status);                   // 4 GetImageStoreRootContent
        await api.PutFileOkAsync("pkg/Code/a.bin", file);                                                                 // 1 UploadFile
        await api.PutFileOkAsync("pkg/_.dir", []);
        await Fabric.AssertOkAsync(await api.UploadChunkAsync("pkg/big.bin", session, file, 0, 49_999));                  // 10 UploadFileChunk
        Assert.NotNull(await api.GetSessionAsync(session));                                                               // 8 GetImageStoreUploadSessionById
        Assert.NotNull(await api.GetSessionByPathAsync("pkg/big.bin"));                                                   // 9 GetImageStoreUploadSessionByPath
        await Fabric.AssertOkAsync(await api.UploadChunkAsync("pkg/big.bin", session, file, 50_000, 99_999));
        await ContentApi.AssertEmptyOkAsync(await api.CommitAsync(session));                                              // 7 CommitImageStoreUploadSession
        var root = await api.ListOkAsync(null);
        Assert.Equal("3", root.Folder("pkg").FileCount);
        var pkg = await api.ListOkAsync("pkg");                                                                           // 2 GetImageStoreContent
        Assert.Equal("100000", pkg.File(Win.Path("pkg/big.bin")).FileSize);
        await ContentApi.AssertEmptyOkAsync(await api.CopyAsync("pkg", "Store/pkg"));                                   // 5 CopyImageStoreContent
        Assert.Equal("200000", (await api.FolderSizeAsync("pkg")).FolderSize);                                           // 12 GetImageStoreFolderSize
        Assert.Equal("400000", (await api.FolderSizeAsync(null)).FolderSize);                                            // 11 GetImageStoreRootFolderSize
        var info = await api.InfoAsync();                                                                                 // 13 GetImageStoreInfo
        Assert.Equal(("200000", "3"), (info.UsedByRegister.UsedSpace, info.UsedByRegister.FileCount));
        var other = Guid.NewGuid();
        await Fabric.AssertOkAsync(await api.UploadChunkAsync("pkg/other.bin", other, file, 0, 9));
        await ContentApi.AssertEmptyOkAsync(await api.DeleteSessionAsync(other));                                        // 6 DeleteImageStoreUploadSession
        await ContentApi.AssertEmptyOkAsync(await api.DeleteContentAsync("pkg"));                                        // 3 DeleteImageStoreContent
        Assert.Equal(HttpStatusCode.NotFound, (await api.ListAsync("pkg")).Status);

        // Errors of each family validate against FabricError (AssertErrorAsync checks the schema).
        await Fabric.AssertErrorAsync(await api.CopyAsync("{"), HttpStatusCode.BadRequest, "E_INVALIDARG");
        await Fabric.AssertErrorAsync(await api.CopyAsync("nope", "x"), HttpStatusCode.NotFound, "FABRIC_E_FILE_NOT_FOUND");
        await Fabric.AssertErrorAsync(await api.FolderSizeResponseAsync("nope"), HttpStatusCode.NotFound, "FABRIC_E_DIRECTORY_NOT_FOUND");
        await Fabric.AssertErrorAsync(await api.PutFileAsync("bad./name", [1]), HttpStatusCode.BadRequest, "FABRIC_E_INVALID_NAME_URI");
    }

    private const string GetClusterManifestValue = "fabric:ImageStore";

    private static string ClusterManifestValue(string manifest) => ClusterManifestTests.ImageStoreConnectionString(manifest);
}
