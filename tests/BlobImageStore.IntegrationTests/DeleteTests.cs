using System.Net;
using BlobImageStore.IntegrationTests.Infrastructure;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.IntegrationTests;

/// <summary>DeleteImageStoreContent: a file or a whole folder, and the open upload sessions there.</summary>
[Collection(StoreCollection.Name)]
public sealed class DeleteTests(StoreFixture store)
{
    private ImageStoreApi Api => store.Api;

    [Fact]
    public async Task Deleting_a_folder_removes_everything_under_it_and_nothing_beside_it()
    {
        var root = $"it-{Guid.NewGuid():N}";
        await Api.PutFileOkAsync($"{root}/pkg", [1]);
        await Api.PutFileOkAsync($"{root}/pkg/_.dir", []);
        await Api.PutFileOkAsync($"{root}/pkg/Code/a.bin", TestData.Bytes(200_000, 1));
        await Api.PutFileOkAsync($"{root}/pkg/Code/deep/b.bin", [2]);
        await Api.PutFileOkAsync($"{root}/pkg2/c.bin", [3]);
        await Api.PutFileOkAsync($"{root}/pkg.txt", [4]);

        await ContentApi.AssertEmptyOkAsync(await Api.DeleteContentAsync($"{root}%2Fpkg"));

        var left = await Api.ListOkAsync(root);
        Assert.Equal([Win.Path($"{root}/pkg.txt")], left.StoreFiles.Select(f => f.StoreRelativePath));
        Assert.Equal([Win.Path($"{root}/pkg2")], left.StoreFolders.Select(f => f.StoreRelativePath));
        Assert.Equal(HttpStatusCode.NotFound, (await Api.ListAsync($"{root}/pkg")).Status);
    }

    [Fact]
    public async Task Deleting_a_file_removes_only_that_file()
    {
        var folder = $"it-{Guid.NewGuid():N}";
        await Api.PutFileOkAsync($"{folder}/a.txt", [1]);
        await Api.PutFileOkAsync($"{folder}/b.txt", [2]);

        await ContentApi.AssertEmptyOkAsync(await Api.DeleteContentAsync($"{folder}/a.txt"));

        Assert.Equal(Win.Path($"{folder}/b.txt"), Assert.Single((await Api.ListOkAsync(folder)).StoreFiles).StoreRelativePath);
    }

    [Fact]
    public async Task Deleting_a_missing_path_is_200()
    {
        await ContentApi.AssertEmptyOkAsync(await Api.DeleteContentAsync($"missing-{Guid.NewGuid():N}/thing"));
    }

    [Fact]
    public async Task There_is_no_delete_of_the_whole_store()
    {
        using var response = await Api.Http.DeleteAsync("/ImageStore?api-version=6.0");

        await Fabric.AssertErrorAsync(response, HttpStatusCode.BadRequest, "E_INVALIDARG");
    }

    [Fact]
    public async Task Deleting_a_file_ends_its_open_upload_session_record_claim_and_all()
    {
        var path = TestData.NewPath();
        var file = TestData.Bytes(100, 1);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, session, file, 0, 49));
        Assert.True(await ClaimExistsAsync(path));

        await ContentApi.AssertEmptyOkAsync(await Api.DeleteContentAsync(path));

        Assert.Null(await Api.GetSessionAsync(session));
        Assert.Null(await Api.GetSessionByPathAsync(path));
        Assert.False(await ClaimExistsAsync(path));
        Assert.Contains("deleted", await Fabric.AssertErrorAsync(await Api.CommitAsync(session), HttpStatusCode.NotFound, "FABRIC_E_FILE_NOT_FOUND"));

        // Ended means ended: the same id is refused (its tombstone says why); the path is free for a new session.
        await Fabric.AssertErrorAsync(await Api.UploadChunkAsync(path, session, file, 50, 99), HttpStatusCode.NotFound, "FABRIC_E_FILE_NOT_FOUND");
        var next = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, next, file, 50, 99));
        Assert.Equal([(0L, 49L)], (await Api.GetSessionAsync(next))!.Ranges);
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync(path, next, file, 0, 49));
        await Fabric.AssertOkAsync(await Api.CommitAsync(next));
        Assert.Equal(file, (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Deleting_a_folder_ends_the_sessions_under_it_and_not_those_beside_it()
    {
        var root = $"it-{Guid.NewGuid():N}";
        var file = TestData.Bytes(10, 2);
        var (inside, deeper, beside) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync($"{root}/pkg/a.bin", inside, file, 0, 4));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync($"{root}/pkg/Code/b.bin", deeper, file, 0, 4));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync($"{root}/pkgX/c.bin", beside, file, 0, 4));
        await Api.PutFileOkAsync($"{root}/pkg/_.dir", []);

        await ContentApi.AssertEmptyOkAsync(await Api.DeleteContentAsync($"{root}/pkg"));

        Assert.Null(await Api.GetSessionAsync(inside));
        Assert.Null(await Api.GetSessionAsync(deeper));
        Assert.False(await ClaimExistsAsync($"{root}/pkg/Code/b.bin"));
        Assert.Equal([(5L, 9L)], (await Api.GetSessionAsync(beside))!.Ranges);
        Assert.True(await ClaimExistsAsync($"{root}/pkgX/c.bin"));
    }

    private async Task<bool> ClaimExistsAsync(string path) =>
        (await store.Sessions.GetBlobClient(ClaimNames.For(StorePath.Parse(path))).ExistsAsync()).Value;
}
