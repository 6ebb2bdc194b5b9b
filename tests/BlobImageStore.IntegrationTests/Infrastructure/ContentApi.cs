using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BlobImageStore.IntegrationTests.Infrastructure;

/// <summary>
/// Calls of the content operations, shaped as the clients send them. Every 200 body is validated against its spec
/// definition (<see cref="SpecSchema"/>) before it is parsed, case-sensitively, into the records below.
/// </summary>
public static class ContentApi
{
    public static Task<HttpResponseMessage> PutFileAsync(this ImageStoreApi api, string rawPath, byte[] body, string? contentMd5 = null, string apiVersion = "6.0") =>
        api.PutFileAsync(rawPath, new ByteArrayContent(body), contentMd5, apiVersion);

    public static async Task<HttpResponseMessage> PutFileAsync(this ImageStoreApi api, string rawPath, HttpContent content, string? contentMd5 = null, string apiVersion = "6.0")
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/ImageStore/{rawPath}?api-version={apiVersion}") { Content = content };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (contentMd5 is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-MD5", contentMd5);
        }

        return await api.Http.SendAsync(request);
    }

    /// <summary>Uploads and asserts 200 with an empty body.</summary>
    public static async Task PutFileOkAsync(this ImageStoreApi api, string rawPath, byte[] body)
    {
        using var response = await api.PutFileAsync(rawPath, body);
        await AssertEmptyOkAsync(response);
    }

    /// <summary>A listing: the status, and for 200 the validated body.</summary>
    public static async Task<Listing> ListAsync(this ImageStoreApi api, string? rawPath, string? continuationToken = null, string apiVersion = "6.2")
    {
        var url = (rawPath is null ? "/ImageStore" : $"/ImageStore/{rawPath}") + $"?api-version={apiVersion}"
            + (continuationToken is null ? "" : $"&ContinuationToken={Uri.EscapeDataString(continuationToken)}");
        using var response = await api.Http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new Listing(response.StatusCode, null, body, response.Content.Headers.ContentType?.MediaType);
        }

        return new Listing(response.StatusCode, Parse<ContentView>(body, "ImageStoreContent"), body, response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A listing that must be 200; all its pages when <paramref name="allPages"/>.</summary>
    public static async Task<ContentView> ListOkAsync(this ImageStoreApi api, string? rawPath, bool allPages = true)
    {
        var listing = await api.ListAsync(rawPath);
        Assert.True(listing.Status == HttpStatusCode.OK, $"{(int)listing.Status}: {listing.Body}");
        var content = listing.Content!;
        while (allPages && content.ContinuationToken is { } token)
        {
            var next = await api.ListAsync(rawPath, token);
            Assert.Equal(HttpStatusCode.OK, next.Status);
            content = new ContentView([.. content.StoreFiles, .. next.Content!.StoreFiles], [.. content.StoreFolders, .. next.Content.StoreFolders], next.Content.ContinuationToken);
        }

        return content;
    }

    public static Task<HttpResponseMessage> DeleteContentAsync(this ImageStoreApi api, string rawPath) =>
        api.Http.DeleteAsync($"/ImageStore/{rawPath}?api-version=6.0");

    public static Task<HttpResponseMessage> CopyAsync(this ImageStoreApi api, string json) =>
        api.Http.PostAsync("/ImageStore/$/Copy?api-version=6.0", new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> CopyAsync(this ImageStoreApi api, string source, string destination, string[]? skipFiles = null, bool? checkMarkFile = null) =>
        api.CopyAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["RemoteSource"] = source,
            ["RemoteDestination"] = destination,
            ["SkipFiles"] = skipFiles ?? [],
            ["CheckMarkFile"] = checkMarkFile ?? false,
        }));

    public static async Task<HttpResponseMessage> FolderSizeResponseAsync(this ImageStoreApi api, string? rawPath) =>
        await api.Http.GetAsync((rawPath is null ? "/ImageStore" : $"/ImageStore/{rawPath}") + "/$/FolderSize?api-version=6.5");

    public static async Task<FolderSizeView> FolderSizeAsync(this ImageStoreApi api, string? rawPath)
    {
        using var response = await api.FolderSizeResponseAsync(rawPath);
        return await ReadOkAsync<FolderSizeView>(response, "FolderSizeInfo");
    }

    public static async Task<InfoView> InfoAsync(this ImageStoreApi api)
    {
        using var response = await api.Http.GetAsync("/ImageStore/$/Info?api-version=6.5");
        return await ReadOkAsync<InfoView>(response, "ImageStoreInfo");
    }

    public static async Task<string> ClusterManifestAsync(this ImageStoreApi api)
    {
        using var response = await api.Http.GetAsync("/$/GetClusterManifest?api-version=6.0");
        return (await ReadOkAsync<ManifestView>(response, "ClusterManifest")).Manifest;
    }

    public static async Task AssertEmptyOkAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal(string.Empty, body);
    }

    public static async Task<T> ReadOkAsync<T>(HttpResponseMessage response, string definition)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return Parse<T>(body, definition);
    }

    public static T Parse<T>(string body, string definition)
    {
        SpecSchema.AssertValid(body, definition);
        return JsonSerializer.Deserialize<T>(body, new JsonSerializerOptions { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow })!;
    }
}

public sealed record Listing(HttpStatusCode Status, ContentView? Content, string Body, string? ContentType);

public sealed record ContentView(List<FileView> StoreFiles, List<FolderView> StoreFolders, string? ContinuationToken)
{
    public FileView File(string storeRelativePath) => Assert.Single(StoreFiles, f => f.StoreRelativePath == storeRelativePath);

    public FolderView Folder(string storeRelativePath) => Assert.Single(StoreFolders, f => f.StoreRelativePath == storeRelativePath);
}

public sealed record FileView(string FileSize, VersionView FileVersion, string ModifiedDate, string StoreRelativePath);

public sealed record VersionView(string VersionNumber, string EpochDataLossNumber, string EpochConfigurationNumber);

public sealed record FolderView(string StoreRelativePath, string FileCount);

public sealed record FolderSizeView(string StoreRelativePath, string FolderSize);

public sealed record InfoView(DiskView DiskInfo, UsageView UsedByMetadata, UsageView UsedByStaging, UsageView UsedByCopy, UsageView UsedByRegister);

public sealed record DiskView(string Capacity, string AvailableSpace);

public sealed record UsageView(string UsedSpace, string FileCount);

public sealed record ManifestView(string Manifest);

public static class Win
{
    /// <summary>A store path as answers spell it with the default separator.</summary>
    public static string Path(string path) => path.Replace('/', '\\');
}
