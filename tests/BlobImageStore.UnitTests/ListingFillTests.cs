using System.Runtime.CompilerServices;
using BlobImageStore.Content;
using BlobImageStore.Paths;
using BlobImageStore.Storage;
using CsCheck;

namespace BlobImageStore.UnitTests;

/// <summary>
/// Listing pages fill up to a byte budget like Service Fabric's (issue 15, item 7), over a fake index with List Blobs'
/// documented order (a folder sorts as its prefix with the trailing '/') and storage pages of any size.
/// </summary>
public class ListingFillTests
{
    private static readonly string[] Segments = ["a", "a.txt", "a-b", "b", "B", "x y", "é", "z_1", "a b", "0"];

    [Fact]
    public async Task Paging_through_any_folder_with_any_budget_returns_every_entry_once_in_order_and_each_page_within_budget()
    {
        var gen =
            from names in Gen.Int[1, 3].SelectMany(depth => Gen.Int[0, Segments.Length - 1].Array[depth]).Array[0, 40]
            from budget in Gen.Int[0, 1500]
            from storagePage in Gen.Int[1, 7]
            from cap in Gen.Int[0, 4]
            select (Names: names.Select(s => "p/" + string.Join('/', s.Select(i => Segments[i]))).Distinct().ToArray(), Budget: ListingSize.PageOverhead + budget, StoragePage: storagePage, Cap: cap);

        await gen.SampleAsync(async c =>
        {
            var index = new OrderedIndex(c.Names) { StoragePage = c.StoragePage };
            var listings = new ContentListings(index, Microsoft.Extensions.Options.Options.Create(new ImageStoreOptions { ListPageBytes = c.Budget, ListPageSize = c.Cap }));
            var seen = new List<string>();
            string? token = null;
            var pages = 0;
            do
            {
                var listing = await listings.ListAsync(StorePath.Parse("p"), token, CancellationToken.None);
                if (listing is ContentListing.Empty && token is not null)
                {
                    break; // the previous page ended exactly at the end
                }

                if (listing is ContentListing.Missing)
                {
                    Assert.Empty(index.Children("p/"));
                    return;
                }

                var page = Assert.IsType<ContentListing.Page>(listing);
                var entries = page.Files.Select(f => (Key: f.Name, Size: ListingSize.File(f.Name)))
                    .Concat(page.Folders.Select(f => (Key: f.Path + "/", Size: ListingSize.Folder(f.Path)))).ToList();
                Assert.True(entries.Count == 1 || entries.Sum(e => e.Size) <= c.Budget - ListingSize.PageOverhead, $"page of {entries.Count} over budget");
                Assert.True(c.Cap == 0 || entries.Count <= c.Cap);
                seen.AddRange(entries.Select(e => e.Key).Order(StringComparer.Ordinal));
                token = page.ContinuationToken;
                Assert.True(++pages <= 200);
            }
            while (token is not null);

            Assert.Equal(index.Children("p/"), seen);
        }, iter: 300);
    }

    [Fact]
    public async Task A_folder_of_5000_files_fills_one_page_with_Service_Fabrics_default_budget()
    {
        var names = Enumerable.Range(0, 5000).Select(i => $"Pkg/Code/file-{i:D5}.dll").ToArray();
        var listings = new ContentListings(new OrderedIndex(names) { StoragePage = 5000 }, Microsoft.Extensions.Options.Options.Create(new ImageStoreOptions()));

        var page = Assert.IsType<ContentListing.Page>(await listings.ListAsync(StorePath.Parse("Pkg/Code"), null, CancellationToken.None));

        Assert.Equal(5000, page.Files.Count);
        Assert.Null(page.ContinuationToken);
        Assert.Equal(3 * 1024 * 1024, new ImageStoreOptions().ListPageBytes);
    }

    [Fact]
    public async Task A_page_ends_inside_a_storage_page_and_the_token_resumes_after_the_last_entry()
    {
        var names = Enumerable.Range(0, 100).Select(i => $"d/f{i:D3}").ToArray();
        var budget = ListingSize.PageOverhead + (10 * ListingSize.File("d/f000"));
        var listings = new ContentListings(new OrderedIndex(names) { StoragePage = 5000 },
            Microsoft.Extensions.Options.Options.Create(new ImageStoreOptions { ListPageBytes = budget }));

        var first = Assert.IsType<ContentListing.Page>(await listings.ListAsync(StorePath.Parse("d"), null, CancellationToken.None));
        var second = Assert.IsType<ContentListing.Page>(await listings.ListAsync(StorePath.Parse("d"), first.ContinuationToken, CancellationToken.None));

        Assert.Equal(names[..10], first.Files.Select(f => f.Name));
        Assert.Equal(names[10..20], second.Files.Select(f => f.Name));
    }

    /// <summary>Blob names; hierarchical pages of at most <see cref="StoragePage"/> entries in List Blobs order.</summary>
    private sealed class OrderedIndex(string[] names) : IFileIndex
    {
        public int StoragePage { get; init; } = 5000;

        /// <summary>The immediate entries under a prefix as List Blobs orders them (folders with their trailing '/').</summary>
        public List<string> Children(string prefix) =>
            names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
                .Select(n => n[prefix.Length..] is var rest && rest.Contains('/') ? prefix + rest[..(rest.IndexOf('/') + 1)] : n)
                .Distinct().Order(StringComparer.Ordinal).ToList();

        public Task<StoredFile?> GetAsync(StorePath path, CancellationToken cancellationToken) =>
            Task.FromResult(names.Contains(path.Value) ? File(path.Value) : null);

        public Task<ContentPage> ListPageAsync(string prefix, string? continuation, int pageSize, CancellationToken cancellationToken)
        {
            var entries = Children(prefix);
            var start = continuation is null ? 0 : int.Parse(continuation, System.Globalization.CultureInfo.InvariantCulture);
            var page = entries.Skip(start).Take(Math.Min(pageSize, StoragePage)).ToList();
            var next = start + page.Count < entries.Count ? (start + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            return Task.FromResult(new ContentPage(
                page.Where(e => !e.EndsWith('/')).Select(File).ToList(),
                page.Where(e => e.EndsWith('/')).Select(e => e.TrimEnd('/')).ToList(),
                next));
        }

        public async IAsyncEnumerable<StoredFile> ListAllAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (var name in names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
            {
                yield return File(name);
            }
        }

        private static StoredFile File(string name) => new(name, 1, DateTimeOffset.UnixEpoch, "\"0x1\"");
    }
}
