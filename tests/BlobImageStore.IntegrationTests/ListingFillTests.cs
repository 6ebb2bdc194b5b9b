using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// A folder of 5,000 files comes back whole, in one page, to the real clients, none of which sends a ContinuationToken
/// (issue 15, item 7): the request shapes of the .NET client and sfctl (their captures in spec/clients: targets, headers)
/// and Service Fabric Explorer's <c>GET /ImageStore/&lt;path&gt;?timeout=300&amp;api-version=6.0</c>. Pages fill up to
/// <c>ImageStore:ListPageBytes</c> (Service Fabric's 4 MiB × 0.75 by default), and the token still pages smaller budgets.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class ListingFillTests(StoreFixture store)
{
    private const int FileCount = 5000;

    [Fact]
    public async Task A_5000_file_folder_comes_back_whole_to_the_three_real_clients_request_shapes()
    {
        await using var iso = await IsolatedStore.StartAsync(store);
        var expected = await SeedAsync(iso.Files, "Big/Code");

        var dotnet = Capture("dotnet-client-wire.jsonl", r => r.Method == "GET" && r.Path.StartsWith("/ImageStore/SampleApp%2FSvcPkg?", StringComparison.Ordinal));
        var sfctl = Capture("sfctl-upload-wire.jsonl", _ => true);
        var shapes = new (string Client, string Target, IEnumerable<(string, string)> Headers)[]
        {
            (".NET client", "/ImageStore/Big%2FCode?timeout=60&api-version=6.2", dotnet.Headers),
            ("sfctl", "/ImageStore/Big/Code?api-version=6.2&timeout=60", sfctl.Headers),
            ("Service Fabric Explorer", "/ImageStore/Big/Code?timeout=300&api-version=6.0", [("Accept", "application/json, text/plain, */*"), ("User-Agent", "Mozilla/5.0")]),
        };

        foreach (var (client, target, headers) in shapes)
        {
            var response = await RawHttp.SendAsync(iso.Address, "GET", target, headers, ReadOnlyMemory<byte>.Empty, RawFraming.None);

            Assert.True(response.Status == 200, $"{client}: {response.Status} {response.Body[..Math.Min(300, response.Body.Length)]}");
            SpecSchema.AssertValid(response.Body, "ImageStoreContent");
            var listing = ContentApi.Parse<ContentView>(response.Body, "ImageStoreContent");
            Assert.Null(listing.ContinuationToken);
            Assert.Equal(expected, listing.StoreFiles.Select(f => f.StoreRelativePath).Concat(listing.StoreFolders.Select(f => f.StoreRelativePath)).Order(StringComparer.Ordinal));
            Assert.Equal(("Big\\Code\\Sub", "2"), (Assert.Single(listing.StoreFolders).StoreRelativePath, listing.StoreFolders[0].FileCount));
            Assert.True(Encoding.UTF8.GetByteCount(response.Body) <= 3 * 1024 * 1024);
        }
    }

    [Fact]
    public async Task With_a_smaller_budget_the_token_pages_through_every_entry_once_and_each_page_stays_within_it()
    {
        const int budget = 64 * 1024;
        await using var iso = await IsolatedStore.StartAsync(store, new Dictionary<string, string> { ["ImageStore__ListPageBytes"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var expected = await SeedAsync(iso.Files, "Paged");

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await iso.Api.ListAsync("Paged", token);
            Assert.Equal(System.Net.HttpStatusCode.OK, page.Status);
            Assert.True(Encoding.UTF8.GetByteCount(page.Body) <= budget, $"page {pages}: {Encoding.UTF8.GetByteCount(page.Body)} bytes");
            seen.AddRange(page.Content!.StoreFiles.Select(f => f.StoreRelativePath).Concat(page.Content.StoreFolders.Select(f => f.StoreRelativePath)));
            token = page.Content.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(expected, seen.Order(StringComparer.Ordinal));
        Assert.InRange(pages, 5, 100);
    }

    /// <summary>5,000 files directly in the folder and a sub-folder of two, written straight to the container.</summary>
    private static async Task<List<string>> SeedAsync(BlobContainerClient files, string folder)
    {
        await files.CreateIfNotExistsAsync();
        var names = Enumerable.Range(0, FileCount).Select(i => $"{folder}/lib-{i:D5}.dll").Concat([$"{folder}/Sub/a.txt", $"{folder}/Sub/b.txt"]).ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (name, ct) =>
            await files.GetBlobClient(name).UploadAsync(BinaryData.FromBytes([1]), overwrite: true, ct));
        return Enumerable.Range(0, FileCount).Select(i => $"{folder}/lib-{i:D5}.dll").Append($"{folder}/Sub")
            .Select(n => n.Replace('/', '\\')).Order(StringComparer.Ordinal).ToList();
    }

    private static (string Method, string Path, List<(string, string)> Headers) Capture(string file, Func<(string Method, string Path), bool> which)
    {
        foreach (var line in File.ReadLines(Path.Combine(RepoPaths.Spec, "clients", file)))
        {
            var request = JsonDocument.Parse(line).RootElement;
            var (method, path) = (request.GetProperty("method").GetString()!, request.GetProperty("path").GetString()!);
            if (which((method, path)))
            {
                var headers = request.GetProperty("headers").EnumerateObject()
                    .Where(h => !h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    .Select(h => (h.Name, h.Value.GetString()!)).ToList();
                return (method, path, headers);
            }
        }

        throw new InvalidOperationException($"No such request in {file}");
    }
}
