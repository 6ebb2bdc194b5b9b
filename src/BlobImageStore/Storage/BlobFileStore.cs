using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BlobImageStore.Paths;

namespace BlobImageStore.Storage;

/// <summary>
/// The files container as a file store: Put Blob / Put Block List for whole files, Get Blob Properties and List Blobs
/// (hierarchical with '/' as the folder delimiter, or flat) for listings, Delete Blob, and Copy Blob for server-side copies.
/// </summary>
public sealed class BlobFileStore(StoreContainers containers) : IFileWriter, IFileIndex, IFileRemoval, IFileCopy
{
    /// <summary>Azure's largest List Blobs page.</summary>
    public const int MaxListPage = 5000;

    private static readonly TimeSpan CopyPollInterval = TimeSpan.FromMilliseconds(250);

    public async Task PutAsync(StorePath path, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        // One Put Blob: the single-shot threshold is the content's own length, so the SDK never splits it (a block is at
        // most 4000 MiB, under Put Blob's 5000 MiB). The SDK sends the MD5 as the transactional Content-MD5, which Azure
        // verifies (it refuses a precalculated one on this path); MD5, not CRC64: Azurite corrupts CRC64-validated uploads.
        // Put Blob replaces the file and, on Azure, discards the blob's uncommitted blocks.
        var options = new BlobUploadOptions
        {
            HttpHeaders = Headers(md5),
            TransferOptions = new StorageTransferOptions { InitialTransferSize = Math.Max(1, content.Length), MaximumConcurrency = 1 },
            TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
        };
        try
        {
            await using var stream = BinaryData.FromBytes(content).ToStream();
            await Block(path).UploadAsync(stream, options, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 400 && e.ErrorCode == "InvalidBlobOrBlock")
        {
            // Azurite (not Azure) refuses Put Blob onto a blob that holds uncommitted blocks, such as those an ended
            // upload session leaves (tests/.../StorageContract). The same write as one staged block, of the length every
            // ID of ours has, and one Put Block List, which discards the other uncommitted blocks on Azurite too.
            var id = Content.FileBlockId.Encode(Guid.NewGuid(), 0);
            var stage = new BlockBlobStageBlockOptions
            {
                TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5, PrecalculatedChecksum = md5 },
            };
            await using var again = BinaryData.FromBytes(content).ToStream();
            await Block(path).StageBlockAsync(id, again, stage, cancellationToken);
            await Block(path).CommitBlockListAsync([id], new CommitBlockListOptions { HttpHeaders = Headers(md5) }, cancellationToken);
        }
    }

    public async Task<bool> CommitAsync(StorePath path, IReadOnlyList<string> blockIds, byte[] md5, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            await Block(path).CommitBlockListAsync(blockIds, new CommitBlockListOptions { HttpHeaders = Headers(md5) }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 400 && e.ErrorCode == "InvalidBlockList")
        {
            return false;
        }
    }

    public async Task<StoredFile?> GetAsync(StorePath path, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            BlobProperties properties = await containers.Files.GetBlobClient(path.Value).GetPropertiesAsync(cancellationToken: cancellationToken);
            return new StoredFile(path.Value, properties.ContentLength, properties.LastModified, properties.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<ContentPage> ListPageAsync(string prefix, string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        var pages = containers.Files.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, cancellationToken)
            .AsPages(continuation, Math.Clamp(pageSize, 1, MaxListPage));
        await foreach (var page in pages)
        {
            var files = new List<StoredFile>();
            var folders = new List<string>();
            foreach (var item in page.Values)
            {
                if (item.IsPrefix)
                {
                    var folder = item.Prefix.TrimEnd('/');
                    if (folder.Length > prefix.Length)
                    {
                        folders.Add(folder);
                    }
                }
                else if (ToFile(item.Blob) is { } file)
                {
                    files.Add(file);
                }
            }

            return new ContentPage(files, folders, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }

        return new ContentPage([], [], null);
    }

    public async IAsyncEnumerable<StoredFile> ListAllAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        await foreach (var page in containers.Files.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).AsPages(pageSizeHint: MaxListPage))
        {
            foreach (var blob in page.Values)
            {
                if (ToFile(blob) is { } file)
                {
                    yield return file;
                }
            }
        }
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        // On Azure, deleting a blob also drops its uncommitted blocks (Azurite keeps them).
        Response<bool> deleted = await containers.Files.GetBlobClient(name)
            .DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        return deleted.Value;
    }

    /// <summary>
    /// Copy Blob (<c>StartCopyFromUri</c>) from a blob of the same container, then waits for it. Why this call: within one
    /// storage account Azure authorizes the copy's source with the request's own credentials, so it works the same with a
    /// connection string (Shared Key) and with a managed identity (a Microsoft Entra token; the identity needs read on the
    /// source and write on the destination, which Storage Blob Data Contributor on the container gives). It has no size
    /// limit, and same-account copies usually complete within the call (otherwise we poll until done).
    /// The alternative, Copy Blob From URL (<c>SyncCopyFromUri</c>), needs the source authorized separately (a SAS, or
    /// with a managed identity a bearer token passed as copy-source authorization) and is limited to 256 MiB.
    /// The copy carries content, Content-Type, Content-MD5 and metadata; on Azure it replaces the destination blob,
    /// uncommitted blocks included.
    /// </summary>
    public async Task<bool> CopyAsync(string source, StorePath destination, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        var from = containers.Files.GetBlobClient(source);
        var to = containers.Files.GetBlobClient(destination.Value);
        try
        {
            var copy = await to.StartCopyFromUriAsync(from.Uri, new BlobCopyFromUriOptions(), cancellationToken);
            if (!copy.HasCompleted)
            {
                await copy.WaitForCompletionAsync(CopyPollInterval, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    private BlockBlobClient Block(StorePath path) => containers.Files.GetBlockBlobClient(path.Value);

    private static BlobHttpHeaders Headers(byte[] md5) => new() { ContentType = "application/octet-stream", ContentHash = md5 };

    private static StoredFile? ToFile(BlobItem blob) =>
        blob.Name.EndsWith('/')
            ? null // a "folder" placeholder some tools create: not a file of the store
            : new StoredFile(blob.Name, blob.Properties.ContentLength ?? 0, blob.Properties.LastModified ?? DateTimeOffset.UnixEpoch,
                blob.Properties.ETag?.ToString() ?? string.Empty);
}
