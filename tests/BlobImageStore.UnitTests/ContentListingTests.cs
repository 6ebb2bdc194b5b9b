using System.Runtime.CompilerServices;
using BlobImageStore.Content;
using BlobImageStore.Paths;
using BlobImageStore.Storage;

namespace BlobImageStore.UnitTests;

/// <summary>What a listing answers, decided from a fake index.</summary>
public class ContentListingTests
{
    private static ContentListings Listings(FakeIndex index) =>
        new(index, Microsoft.Extensions.Options.Options.Create(new ImageStoreOptions { ListPageSize = 2 }));

    [Fact]
    public async Task A_folder_wins_over_a_file_of_the_same_name_and_counts_its_files_at_any_depth()
    {
        var index = new FakeIndex("a", "a/x", "a/sub/y", "a/sub/deep/z");

        var listing = Assert.IsType<ContentListing.Page>(await Listings(index).ListAsync(StorePath.Parse("a"), null, CancellationToken.None));

        Assert.Equal(["a/x"], listing.Files.Select(f => f.Name));
        Assert.Equal([new FolderEntry("a/sub", 2)], listing.Folders);
    }

    [Fact]
    public async Task A_file_lists_alone_and_nothing_is_missing()
    {
        var index = new FakeIndex("a/file");

        var file = Assert.IsType<ContentListing.Page>(await Listings(index).ListAsync(StorePath.Parse("a/file"), null, CancellationToken.None));
        Assert.Equal(["a/file"], file.Files.Select(f => f.Name));
        Assert.IsType<ContentListing.Missing>(await Listings(index).ListAsync(StorePath.Parse("a/fil"), null, CancellationToken.None));
        Assert.IsType<ContentListing.Empty>(await Listings(new FakeIndex()).ListAsync(null, null, CancellationToken.None));
    }

    [Fact]
    public async Task Empty_pages_with_a_continuation_are_skipped()
    {
        var index = new FakeIndex("a/x") { EmptyPagesFirst = 3 };

        var listing = Assert.IsType<ContentListing.Page>(await Listings(index).ListAsync(StorePath.Parse("a"), null, CancellationToken.None));

        Assert.Equal(["a/x"], listing.Files.Select(f => f.Name));
        Assert.Null(listing.ContinuationToken);
    }

    [Fact]
    public async Task Pages_follow_each_other_through_the_token_until_the_last()
    {
        var index = new FakeIndex("p/1", "p/2", "p/3", "p/4", "p/5");
        var names = new List<string>();
        string? token = null;
        do
        {
            var page = Assert.IsType<ContentListing.Page>(await Listings(index).ListAsync(StorePath.Parse("p"), token, CancellationToken.None));
            names.AddRange(page.Files.Select(f => f.Name));
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal(["p/1", "p/2", "p/3", "p/4", "p/5"], names);
    }

    /// <summary>Blob names in order; hierarchical pages of at most the page size, as List Blobs returns them.</summary>
    [Theory]
    [InlineData("not base64!")]
    [InlineData("YWJj")]
    public async Task A_token_this_server_did_not_give_out_is_refused_before_storage_is_read(string token)
    {
        var index = new FakeIndex("a/x");

        var refused = Assert.IsType<ContentListing.Refused>(await Listings(index).ListAsync(StorePath.Parse("a"), token, CancellationToken.None));

        Assert.Equal(new InvalidContinuationToken(token, StorePath.Parse("a")), refused.Refusal);
        Assert.Equal(0, index.Pages);
    }

    private sealed class FakeIndex(params string[] names) : IFileIndex
    {
        public int EmptyPagesFirst { get; set; }

        /// <summary>How many List Blobs pages were asked for.</summary>
        public int Pages { get; private set; }

        public Task<StoredFile?> GetAsync(StorePath path, CancellationToken cancellationToken) =>
            Task.FromResult(names.Contains(path.Value) ? File(path.Value) : null);

        public Task<ContentPage> ListPageAsync(string prefix, string? continuation, int pageSize, CancellationToken cancellationToken)
        {
            Pages++;
            if (EmptyPagesFirst > 0)
            {
                EmptyPagesFirst--;
                return Task.FromResult(new ContentPage([], [], "empty"));
            }

            var entries = names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
                .Select(n => n[prefix.Length..] is var rest && rest.Contains('/') ? prefix + rest[..rest.IndexOf('/')] + "/" : n)
                .Distinct().Order(StringComparer.Ordinal).ToList();
            var start = continuation is null or "empty" ? 0 : int.Parse(continuation);
            var page = entries.Skip(start).Take(pageSize).ToList();
            var next = start + page.Count < entries.Count ? (start + page.Count).ToString() : null;
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
