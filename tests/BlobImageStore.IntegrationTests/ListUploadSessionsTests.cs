using System.Net;
using System.Text.Json.Nodes;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>ListUploadSessions (this server's addition, used by the explorer) over real HTTP on Azurite.</summary>
[Collection(StoreCollection.Name)]
public sealed class ListUploadSessionsTests(StoreFixture store)
{
    private ImageStoreApi Api => store.Api;

    [Fact]
    public async Task A_folder_lists_its_open_sessions_at_any_depth_in_GetUploadSession_shape_and_not_ended_ones()
    {
        var folder = $"it-{Guid.NewGuid():N}";
        var file = TestData.Bytes(1000, 7);
        var (a, b, done) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync($"{folder}/sub/b.bin", b, file, 0, 499));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync($"{folder}/a.bin", a, file, 100, 199));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync($"{folder}/done.bin", done, file, 0, 999));
        await Fabric.AssertOkAsync(await Api.CommitAsync(done));
        await Fabric.AssertOkAsync(await Api.UploadChunkAsync($"{folder}x/elsewhere.bin", Guid.NewGuid(), file, 0, 9));

        using var response = await Api.Http.GetAsync($"/ImageStore/{folder}/$/ListUploadSessions?api-version=6.0");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var sessions = JsonNode.Parse(body)!["UploadSessions"]!.AsArray();
        Assert.Equal([a.ToString(), b.ToString()], sessions.Select(s => s!["SessionId"]!.GetValue<string>()));
        Assert.Equal([$"{folder}\\a.bin", $"{folder}\\sub\\b.bin"], sessions.Select(s => s!["StoreRelativePath"]!.GetValue<string>()));
        Assert.Null(JsonNode.Parse(body)!["Truncated"]);
        // Each entry is exactly what GetUploadSession by id answers for that session.
        foreach (var (id, entry) in new[] { a, b }.Zip(sessions))
        {
            var single = await Api.GetSessionAsync(id);
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(single), System.Text.Json.JsonSerializer.Serialize(
                System.Text.Json.JsonSerializer.Deserialize<UploadSessionWire>($"{{\"UploadSessions\":[{entry!.ToJsonString()}]}}")!.UploadSessions.Single()));
        }
    }

    [Fact]
    public async Task No_open_session_under_a_path_is_204_with_an_empty_body()
    {
        using var response = await Api.Http.GetAsync($"/ImageStore/it-{Guid.NewGuid():N}/$/ListUploadSessions?api-version=6.0");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_root_lists_the_sessions_of_every_folder_of_the_store()
    {
        await using var isolated = await IsolatedStore.StartAsync(store);
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        await Fabric.AssertOkAsync(await isolated.Api.UploadChunkAsync("b/file.bin", second, TestData.Bytes(100, 8), 0, 9));
        await Fabric.AssertOkAsync(await isolated.Api.UploadChunkAsync("a/deep/file.bin", first, TestData.Bytes(100, 9), 0, 9));

        using var response = await isolated.Api.Http.GetAsync("/ImageStore/$/ListUploadSessions?api-version=6.0");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal([first.ToString(), second.ToString()], JsonNode.Parse(body)!["UploadSessions"]!.AsArray().Select(s => s!["SessionId"]!.GetValue<string>()));
    }
}
