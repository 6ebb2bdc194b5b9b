using BlobImageStore.Client;
using BlobImageStore.Client.Uploads;
using Microsoft.Extensions.Options;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace BlobImageStore.Bench;

/// <summary>The ways of putting one file into the store that the benchmark compares.</summary>
public static class Uploads
{
    /// <summary>The limit: the Azure SDK writing straight to Blob Storage, N blocks in flight (optionally with a
    /// transactional MD5 per block, the integrity check our server sends with every block).</summary>
    public static async Task DirectAsync(BlobContainerClient container, string blobName, string file, int parallel, int blockSize, bool md5, CancellationToken cancellationToken)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await container.GetBlobClient(blobName).UploadAsync(file, new BlobUploadOptions
        {
            TransferOptions = new StorageTransferOptions
            {
                MaximumConcurrency = parallel,
                InitialTransferSize = blockSize,
                MaximumTransferSize = blockSize,
            },
            TransferValidation = md5 ? new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 } : null,
        }, cancellationToken);
    }

    /// <summary>
    /// Ours: the client library's resumable uploader (BlobImageStore.Client), N chunks in flight each with its
    /// Content-MD5, through the HTTP API, then one commit.
    /// </summary>
    public static async Task ViaApiAsync(HttpClient http, string storePath, string file, long chunkSize, int parallel, CancellationToken cancellationToken)
    {
        var client = new ImageStoreClient(http, Options.Create(new ImageStoreClientOptions { Endpoint = http.BaseAddress! }));
        var journal = new FileResumeJournal(Path.Combine(Path.GetTempPath(), "blobimagestore-bench-journal"));
        var uploader = new ResumableUploader(client, journal);
        await uploader.UploadAsync(file, storePath, new FileUploadOptions
        {
            ChunkSize = chunkSize,
            MaxChunkSize = Math.Max(chunkSize, ChunkSizing.DefaultMaxChunkSize),
            Parallelism = parallel,
        }, progress: null, cancellationToken);
    }
}
