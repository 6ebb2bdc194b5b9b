using Azure;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
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

    /// <summary>The listing was refused (<see cref="InvalidContinuationToken"/>).</summary>
    public sealed record Refused(Outcome Refusal) : ContentListing;
}

/// <summary>
/// Listings on Blob Storage, which has no folders: a folder is a blob-name prefix ending in '/', so it exists while some
/// file is under it, and the only folder that can exist empty is the root. A path lists as a folder when anything is
/// under it, else as the file of that name, else it is missing. (Blob Storage can also hold a file <c>a</c> and files
/// under <c>a/</c> at once, which a file system cannot; then <c>a</c> lists as the folder, as Service Fabric on Windows
/// does, and the file <c>a</c> shows in its parent's listing.)
/// A page fills like Service Fabric's (its StorePagedContentInfo adds entries while their estimated size stays under
/// NamingService MaxMessageSize, 4 MiB, times MessageContentBufferRatio, 0.75): entries are added while their estimated
/// JSON size stays within <c>ImageStore:ListPageBytes</c> (default 3 MiB), over as many List Blobs calls as that takes,
/// so clients that never send a <c>ContinuationToken</c> (sfctl, the .NET client, Service Fabric Explorer) see whole
/// folders of thousands of files. <c>ImageStore:ListPageSize</c> can also cap the entries per page. Each folder's
/// <c>FileCount</c> costs a flat listing of that folder, a few at a time.
/// </summary>
public sealed class ContentListings(IFileIndex index, IOptions<ImageStoreOptions> options)
{
    private const int CountConcurrency = 4;

    /// <summary>Lists the root (<paramref name="path"/> null) or a path, from the page <paramref name="continuationToken"/> names.</summary>
    public async Task<ContentListing> ListAsync(StorePath? path, string? continuationToken, CancellationToken cancellationToken)
    {
        var start = string.IsNullOrEmpty(continuationToken) ? ListPosition.Start : ContinuationToken.DecodePosition(continuationToken, path);
        var prefix = path is null ? string.Empty : path.Value + "/";
        if (start is null || await FillAsync(prefix, start, continuationToken, cancellationToken) is not { } fill)
        {
            return new ContentListing.Refused(new InvalidContinuationToken(continuationToken!, path));
        }

        if (fill.Files.Count == 0 && fill.Folders.Count == 0)
        {
            if (path is not null && start == ListPosition.Start && await index.GetAsync(path, cancellationToken) is { } file)
            {
                return new ContentListing.Page([file], [], null);
            }

            return path is null || start != ListPosition.Start ? new ContentListing.Empty() : new ContentListing.Missing();
        }

        var folders = await CountAsync(fill.Folders, cancellationToken);
        var next = fill.Next is null ? null : ContinuationToken.Encode(path, fill.Next);
        return new ContentListing.Page(fill.Files, folders, next);
    }

    private sealed record Fill(List<StoredFile> Files, List<string> Folders, ListPosition? Next);

    /// <summary>One page of entries from <paramref name="start"/>; null when Azure refused the marker of <paramref name="token"/>.</summary>
    private async Task<Fill?> FillAsync(string prefix, ListPosition start, string? token, CancellationToken cancellationToken)
    {
        var budget = options.Value.ListPageBytes - ListingSize.PageOverhead;
        var cap = options.Value.ListPageSize > 0 ? options.Value.ListPageSize : int.MaxValue;
        // No more entries per List Blobs call than could fit (the smallest entry is a folder with a one-character name).
        var fetch = (int)Math.Min(Math.Min(cap, ListingSize.StoragePageSize), (budget / (ListingSize.FolderOverhead + 1)) + 1);
        var files = new List<StoredFile>();
        var folders = new List<string>();
        long used = 0;
        var (marker, after) = (start.Marker, start.After);
        try
        {
            while (true)
            {
                var page = await index.ListPageAsync(prefix, marker, fetch, cancellationToken);
                // In List Blobs order: a folder sorts as its prefix, with the trailing '/'.
                var entries = page.Files.Select(f => (Key: f.Name, Name: f.Name, File: (StoredFile?)f))
                    .Concat(page.Folders.Select(d => (Key: d + "/", Name: d, File: (StoredFile?)null)))
                    .Where(e => after is null || string.CompareOrdinal(e.Key, after) > 0)
                    .OrderBy(e => e.Key, StringComparer.Ordinal);
                foreach (var (key, name, file) in entries)
                {
                    var size = file is null ? ListingSize.Folder(name) : ListingSize.File(name);
                    if (files.Count + folders.Count >= cap || (files.Count + folders.Count > 0 && used + size > budget))
                    {
                        return new Fill(files, folders, new ListPosition(marker, after));
                    }

                    if (file is null)
                    {
                        folders.Add(name);
                    }
                    else
                    {
                        files.Add(file);
                    }

                    used += size;
                    after = key;
                }

                if (page.Continuation is null)
                {
                    return new Fill(files, folders, null);
                }

                (marker, after) = (page.Continuation, null);
            }
        }
        catch (RequestFailedException e) when (e.Status == 400 && token is not null)
        {
            // Azure refused the marker inside a well-formed token (made up, or from an older listing format).
            return null;
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

/// <summary>
/// Upper bounds of an entry's size in a listing's JSON answer, as Service Fabric's paged content estimates each entry's
/// serialized size before adding it. A name character counts 1 byte when it is an ASCII letter, digit, '-', '_', '.' or
/// ' ', 2 for a separator (<c>\</c> is escaped), and 6 otherwise (JSON escapes it as <c>\uXXXX</c>).
/// </summary>
public static class ListingSize
{
    /// <summary>NamingService MaxMessageSize (4 MiB) times MessageContentBufferRatio (0.75): Service Fabric's defaults.</summary>
    public const int ServiceFabricPageBytes = 4 * 1024 * 1024 / 4 * 3;

    /// <summary>Most entries one List Blobs call returns.</summary>
    public const int StoragePageSize = 5000;

    /// <summary>The answer's braces, member names and <c>ContinuationToken</c> (which repeats the listed path and Azure's marker).</summary>
    public const int PageOverhead = 8 * 1024;

    /// <summary>A FileInfo without its path: sizes, version, date, member names.</summary>
    public const int FileOverhead = 200;

    /// <summary>A FolderInfo without its path.</summary>
    public const int FolderOverhead = 64;

    public static int File(string name) => FileOverhead + Json(name);

    public static int Folder(string name) => FolderOverhead + Json(name);

    public static int Json(string name)
    {
        var size = 0;
        foreach (var c in name)
        {
            size += c == '/' ? 2 : char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ' ' ? 1 : 6;
        }

        return size;
    }
}
