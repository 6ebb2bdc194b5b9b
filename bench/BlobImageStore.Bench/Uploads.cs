using System.Buffers;
using System.Net.Http.Headers;
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

    /// <summary>Ours: UploadChunk requests through the HTTP API, N in flight, then one commit.</summary>
    public static async Task ViaApiAsync(HttpClient http, string storePath, string file, long chunkSize, int parallel, CancellationToken cancellationToken)
    {
        var size = new FileInfo(file).Length;
        var session = Guid.NewGuid();
        var offsets = new List<long>();
        for (var offset = 0L; offset < size; offset += chunkSize)
        {
            offsets.Add(offset);
        }

        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        await Parallel.ForEachAsync(offsets, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (offset, ct) =>
        {
            var length = (int)Math.Min(chunkSize, size - offset);
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, length), offset, ct);
                using var request = new HttpRequestMessage(HttpMethod.Put,
                    $"/ImageStore/{storePath}/$/UploadChunk?api-version=6.0&session-id={session}")
                {
                    Content = new ByteArrayContent(buffer, 0, length),
                };
                request.Content.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + length - 1, size);
                using var response = await http.SendAsync(request, ct);
                await EnsureAsync(response, ct);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });

        using var commit = await http.PostAsync($"/ImageStore/$/CommitUploadSession?api-version=6.0&session-id={session}", null, cancellationToken);
        await EnsureAsync(commit, cancellationToken);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
