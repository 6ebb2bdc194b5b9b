using System.Net;
using System.Security.Cryptography;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>CopyImageStoreContent: server-side copies of files and folders.</summary>
[Collection(StoreCollection.Name)]
public sealed class CopyTests(StoreFixture store)
{
    private ImageStoreApi Api => store.Api;

    [Fact]
    public async Task A_file_is_copied_with_its_bytes_and_Content_MD5_and_the_source_stays()
    {
        var root = $"it-{Guid.NewGuid():N}";
        var file = TestData.Bytes(150_000, 1);
        await Api.PutFileOkAsync($"{root}/src.bin", file);

        await ContentApi.AssertEmptyOkAsync(await Api.CopyAsync($"{root}\\src.bin", $"{root}/copies/dst.bin"));

        var copy = store.Files.GetBlobClient($"{root}/copies/dst.bin");
        Assert.Equal(file, (await copy.DownloadContentAsync()).Value.Content.ToArray());
        Assert.Equal(MD5.HashData(file), (await copy.GetPropertiesAsync()).Value.ContentHash);
        Assert.True(await store.Files.GetBlobClient($"{root}/src.bin").ExistsAsync());
    }

    [Fact]
    public async Task A_folder_copy_whose_destination_paths_would_be_too_long_is_path_too_long_and_writes_nothing()
    {
        // The destination is valid alone; joined with a source file's name it is over Azure's 1,024 characters. The
        // path rule is the protocol's; the copy returns it as an outcome and the error catalogue words it (never a 500).
        var root = $"it-{Guid.NewGuid():N}";
        await Api.PutFileOkAsync($"{root}/src/a.bin", [1]);
        await Api.PutFileOkAsync($"{root}/src/{new string('n', 200)}.bin", [2]);
        var destination = $"{root}/dst/{new string('d', 1000 - root.Length)}";

        var message = await Fabric.AssertErrorAsync(await Api.CopyAsync($"{root}/src", destination), HttpStatusCode.BadRequest, "FABRIC_E_PATH_TOO_LONG");

        Assert.StartsWith("RemoteDestination: ", message);
        Assert.False(await store.Files.GetBlobClient($"{destination}/a.bin").ExistsAsync());
    }

    [Fact]
    public async Task A_folder_is_copied_to_the_same_relative_paths_skipping_SkipFiles_and_leaving_other_files()
    {
        var root = $"it-{Guid.NewGuid():N}";
        string[] files = ["_.dir", "ApplicationManifest.xml", "Code/a.bin", "Code/skip.txt", "Code/sub/b.bin", "Code/sub/c.bin"];
        foreach (var (name, i) in files.Select((n, i) => (n, i)))
        {
            await Api.PutFileOkAsync($"{root}/src/{name}", TestData.Bytes(10 + i, i));
        }

        await Api.PutFileOkAsync($"{root}/dst/unrelated.txt", [9]);
        await Api.PutFileOkAsync($"{root}/dst/Code/a.bin", [8]);

        // Names match ignoring case; an entry may also be a path relative to the source, with either separator.
        await ContentApi.AssertEmptyOkAsync(await Api.CopyAsync(
            $$"""{"remotesource":"{{root}}/src","REMOTEDESTINATION":"{{root}}/dst","SkipFiles":["SKIP.txt","Code\\sub\\b.bin"],"CheckMarkFile":true,"CopyFlag":"Overwrite"}"""));

        foreach (var (name, i) in files.Select((n, i) => (n, i)))
        {
            var exists = (await store.Files.GetBlobClient($"{root}/dst/{name}").ExistsAsync()).Value;
            Assert.Equal(name is not ("Code/skip.txt" or "Code/sub/b.bin"), exists);
            if (exists)
            {
                Assert.Equal(TestData.Bytes(10 + i, i), (await store.Files.GetBlobClient($"{root}/dst/{name}").DownloadContentAsync()).Value.Content.ToArray());
            }
        }

        Assert.True(await store.Files.GetBlobClient($"{root}/dst/unrelated.txt").ExistsAsync());
    }

    [Fact]
    public async Task CheckMarkFile_skips_a_folder_without_its_mark_file_and_copies_it_once_the_mark_is_there()
    {
        var root = $"it-{Guid.NewGuid():N}";
        await Api.PutFileOkAsync($"{root}/src/a.txt", [1]);
        await Api.PutFileOkAsync($"{root}/src/sub/_.dir", []);

        await ContentApi.AssertEmptyOkAsync(await Api.CopyAsync($"{root}/src", $"{root}/dst", checkMarkFile: true));
        Assert.Equal(HttpStatusCode.NotFound, (await Api.ListAsync($"{root}/dst")).Status);

        await Api.PutFileOkAsync($"{root}/src/_.dir", []);
        await ContentApi.AssertEmptyOkAsync(await Api.CopyAsync($"{root}/src", $"{root}/dst", checkMarkFile: true));
        Assert.Equal("3", (await Api.ListOkAsync(root)).Folder(Win.Path($"{root}/dst")).FileCount);
    }

    [Fact]
    public async Task A_missing_source_is_404_file_not_found_and_creates_nothing()
    {
        var root = $"it-{Guid.NewGuid():N}";

        await Fabric.AssertErrorAsync(await Api.CopyAsync($"{root}/nothing", $"{root}/dst"), HttpStatusCode.NotFound, "FABRIC_E_FILE_NOT_FOUND");

        Assert.Equal(HttpStatusCode.NotFound, (await Api.ListAsync(root)).Status);
    }

    [Theory]
    [InlineData("{bad json", "ImageStoreCopyDescription")]
    [InlineData("", "ImageStoreCopyDescription")]
    [InlineData("null", "empty or null")]
    [InlineData("[]", "ImageStoreCopyDescription")]
    [InlineData("""{"RemoteDestination":"a"}""", "RemoteSource")]
    [InlineData("""{"RemoteSource":"a","RemoteDestination":"  "}""", "RemoteDestination")]
    [InlineData("""{"RemoteSource":1,"RemoteDestination":"b"}""", "ImageStoreCopyDescription")]
    [InlineData("""{"RemoteSource":"a","RemoteDestination":"b","CheckMarkFile":"yes"}""", "ImageStoreCopyDescription")]
    [InlineData("""{"RemoteSource":"a","RemoteDestination":"b","SkipFiles":[null]}""", "SkipFiles")]
    [InlineData("""{"RemoteSource":"a","RemoteDestination":"a/b"}""", "inside")]
    [InlineData("""{"RemoteSource":"a\\b","RemoteDestination":"a/b/"}""", "same as")]
    public async Task Bad_descriptions_are_invalid_argument_naming_the_fix(string body, string mentions)
    {
        var message = await Fabric.AssertErrorAsync(await Api.CopyAsync(body), HttpStatusCode.BadRequest, "E_INVALIDARG");

        Assert.Contains(mentions, message);
    }

    [Fact]
    public async Task A_destination_path_Azure_refuses_is_400_before_anything_is_copied()
    {
        var root = $"it-{Guid.NewGuid():N}";
        await Api.PutFileOkAsync($"{root}/src/a.txt", [1]);

        var message = await Fabric.AssertErrorAsync(await Api.CopyAsync($"{root}/src", $"{root}/dst."), HttpStatusCode.BadRequest, "FABRIC_E_INVALID_NAME_URI");

        Assert.StartsWith("RemoteDestination", message);
    }

    [Fact]
    public async Task A_target_file_with_an_open_session_is_409_and_nothing_is_copied()
    {
        var root = $"it-{Guid.NewGuid():N}";
        await Api.PutFileOkAsync($"{root}/src/a.txt", [1]);
        await Api.PutFileOkAsync($"{root}/src/b.bin", [2]);
        var session = Guid.NewGuid();
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync($"{root}/dst/b.bin", session, TestData.Bytes(10, 3), 0, 4));

        var message = await Fabric.AssertErrorAsync(await Api.CopyAsync($"{root}/src", $"{root}/dst"), HttpStatusCode.Conflict, "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT");
        Assert.Contains(session.ToString(), message);
        Assert.False(await store.Files.GetBlobClient($"{root}/dst/a.txt").ExistsAsync());

        // A single file onto the session's path: the same.
        await Fabric.AssertErrorAsync(await Api.CopyAsync($"{root}/src/b.bin", $"{root}/dst/b.bin"), HttpStatusCode.Conflict, "FABRIC_E_UPLOAD_SESSION_ID_CONFLICT");
        Assert.Equal([(5L, 9L)], (await Api.GetSessionAsync(session))!.Ranges);
    }
}
