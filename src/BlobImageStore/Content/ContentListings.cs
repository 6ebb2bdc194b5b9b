using Azure;
using BlobImageStore.Paths;
using BlobImageStore.Storage;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Content;

/// <summary>A folder in a listing, with the number of files in it at any depth (as Service Fabric counts them).</summary>
public sealed record FolderEntry(string Path, long FileCount);

/// <summary>What a listing found.</summary>
public abstract record ContentListing
{
    private ContentListing()
    {
    }

    /// <summary>Files and folders (one page), and the token for the next page when there is one.</summary>
    public sealed record Page(IReadOnlyList<StoredFile> Files, IReadOnlyList<FolderEntry> Folders, string? ContinuationToken) : ContentListing;

    /// <summary>The path exists but has nothing (more) to list: the root of an empty store, or past the last page.</summary>
    public sealed record Empty : ContentListing;

    /// <summary>Nothing exists at the path.</summary>
    public sealed record Missing : ContentListing;
}

/// <summary>
/// Listings on Blob Storage, which has no folders: a folder is a blob-name prefix ending in '/', so it exists while some
/// file is under it, and the only folder that can exist empty is the root. A path lists as a folder when anything is
/// under it, else as the file of that name, else it is missing. (Blob Storage can also hold a file <c>a</c> and files
/// under <c>a/</c> at once, which a file system cannot; then <c>a</c> lists as the folder, as Service Fabric on Windows
/// does, and the file <c>a</c> shows in its parent's listing.)
/// A page holds at most <c>ImageStore:ListPageSize</c> entries (one List Blobs call, skipping empty pages Azure may
/// return), and each folder's <c>FileCount</c> costs a flat listing of that folder, a few at a time.
/// </summary>
public sealed class ContentListings(IFileIndex index, IOptions<ImageStoreOptions> options)
{
    private const int CountConcurrency = 4;

    /// <summary>Lists the root (<paramref name="path"/> null) or a path, from the page <paramref name="continuationToken"/> names.</summary>
    public async Task<ContentListing> ListAsync(StorePath? path, string? continuationToken, CancellationToken cancellationToken)
    {
        var marker = string.IsNullOrEmpty(continuationToken) ? null : ContinuationToken.Decode(continuationToken, path);
        var prefix = path is null ? string.Empty : path.Value + "/";

        var page = await FirstNonEmptyPageAsync(prefix, marker, continuationToken, path, cancellationToken);
        if (page.IsEmpty)
        {
            if (path is not null && marker is null && await index.GetAsync(path, cancellationToken) is { } file)
            {
                return new ContentListing.Page([file], [], null);
            }

            return path is null || marker is not null ? new ContentListing.Empty() : new ContentListing.Missing();
        }

        var folders = await CountAsync(page.Folders, cancellationToken);
        var next = page.Continuation is null ? null : ContinuationToken.Encode(path, page.Continuation);
        return new ContentListing.Page(page.Files, folders, next);
    }

    private async Task<ContentPage> FirstNonEmptyPageAsync(string prefix, string? marker, string? token, StorePath? path, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var page = await index.ListPageAsync(prefix, marker, options.Value.ListPageSize, cancellationToken);
                if (!page.IsEmpty || page.Continuation is null)
                {
                    return page;
                }

                marker = page.Continuation;
            }
        }
        catch (RequestFailedException e) when (e.Status == 400 && token is not null)
        {
            // Azure refused the marker inside a well-formed token (made up, or from an older listing format).
            throw ContinuationToken.Invalid(token, path);
        }
    }

    private async Task<IReadOnlyList<FolderEntry>> CountAsync(IReadOnlyList<string> folders, CancellationToken cancellationToken)
    {
        var counts = new long[folders.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, folders.Count),
            new ParallelOptions { MaxDegreeOfParallelism = CountConcurrency, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                await foreach (var _ in index.ListAllAsync(folders[i] + "/", ct))
                {
                    counts[i]++;
                }
            });
        return folders.Select((folder, i) => new FolderEntry(folder, counts[i])).ToList();
    }
}
