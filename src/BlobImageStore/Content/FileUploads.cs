using System.Security.Cryptography;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;
using BlobImageStore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Content;

/// <summary>What an UploadFile wrote, or why nothing of it became visible (<see cref="UploadTooLarge"/>,
/// <see cref="UploadMd5Mismatch"/>, <see cref="WriteLeaseLost"/>, <see cref="UploadDiscarded"/>).</summary>
public sealed record FileUploadResult(long Bytes, int Blocks, Outcome? Refusal = null)
{
    public static FileUploadResult Refused(Outcome refusal) => new(0, 0, refusal);
}

/// <summary>
/// Streams an UploadFile body into the file's blob, never holding it whole: the body is read one block
/// (<c>ImageStore:BlockSize</c>) at a time into pooled buffers, at most two per request (one being read while the
/// previous one is sent to storage).
/// <list type="bullet">
/// <item>A body that fits in one block (every file the .NET client sends whole is at most 25 MiB; empty bodies and
/// <c>_.dir</c> marks too) becomes one Put Blob, verified by Azure against its MD5.</item>
/// <item>A larger body is staged as blocks with IDs unique to this upload (<see cref="FileBlockId"/>), each verified by
/// its MD5, then committed with one Put Block List.</item>
/// </list>
/// Either way the file appears whole or not at all. A <c>Content-MD5</c> from the client is checked against the whole
/// body before anything becomes visible: a mismatch leaves the old file untouched (the staged blocks of a large body
/// stay uncommitted; Azure drops them at the blob's next commit or after a week, and their IDs never count for anything).
/// A file holds at most Azure's 50,000 committed blocks, so the largest body is 50,000 × <c>ImageStore:BlockSize</c>.
/// The caller holds the path's write claim (<see cref="PathWrites"/>); <see cref="WriteLease.KeepAsync"/> renews it before
/// each block and before the file is written, and the upload stops (nothing becomes visible) if it was lost.
/// </summary>
public sealed partial class FileUploads(
    IBlockStaging staging,
    IFileWriter files,
    BlockBufferPool pool,
    IOptions<ImageStoreOptions> options,
    ILogger<FileUploads> logger)
{
    public long MaxFileSize => (long)options.Value.BlockSize * ChunkLayout.AzureMaxCommittedBlocks;

    public async Task<FileUploadResult> UploadAsync(StorePath path, Stream body, long? contentLength, byte[]? contentMd5, WriteLease? lease, CancellationToken cancellationToken)
    {
        if (contentLength > MaxFileSize)
        {
            return FileUploadResult.Refused(TooLarge(contentLength.Value));
        }

        var blockSize = options.Value.BlockSize;
        byte[]? first = pool.Rent(blockSize);
        byte[]? second = null;
        try
        {
            var firstLength = await body.ReadAtLeastAsync(first.AsMemory(0, blockSize), blockSize, throwOnEndOfStream: false, cancellationToken);
            var secondLength = 0;
            if (firstLength == blockSize)
            {
                second = pool.Rent(blockSize);
                secondLength = await body.ReadAtLeastAsync(second.AsMemory(0, blockSize), blockSize, throwOnEndOfStream: false, cancellationToken);
            }

            if (secondLength == 0)
            {
                var md5 = MD5.HashData(first.AsSpan(0, firstLength));
                if ((Md5Mismatch(contentMd5, md5) ?? await KeepAsync(lease, path, cancellationToken)) is { } refused)
                {
                    return FileUploadResult.Refused(refused);
                }

                await files.PutAsync(path, first.AsMemory(0, firstLength), md5, cancellationToken);
                LogUploaded(logger, path.Value, firstLength, 1);
                return new FileUploadResult(firstLength, 1);
            }

            var (taken, takenLength, ahead, aheadLength) = (first, firstLength, second, secondLength);
            first = second = null; // Owned by the staging loop from here on.
            return await StageAndCommitAsync(path, body, taken, takenLength, ahead, aheadLength, contentMd5, lease, cancellationToken);
        }
        finally
        {
            pool.Return(first);
            pool.Return(second);
        }
    }

    private async Task<FileUploadResult> StageAndCommitAsync(
        StorePath path, Stream body, byte[] block, int length, byte[]? ahead, int aheadLength, byte[]? contentMd5, WriteLease? lease, CancellationToken cancellationToken)
    {
        var blockSize = options.Value.BlockSize;
        var uploadId = Guid.NewGuid();
        var ids = new List<string>();
        long total = 0;
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        Task pending = Task.CompletedTask;
        byte[]? sending = null;
        byte[]? current = block;
        try
        {
            while (current is not null)
            {
                total += length;
                if (total > MaxFileSize)
                {
                    return FileUploadResult.Refused(TooLarge(total));
                }

                fileHash.AppendData(current, 0, length);
                var id = FileBlockId.Encode(uploadId, ids.Count);
                ids.Add(id);
                var md5 = MD5.HashData(current.AsSpan(0, length));

                // The previous block must be stored before its buffer is reused.
                await pending;
                if (await KeepAsync(lease, path, cancellationToken) is { } lost)
                {
                    return FileUploadResult.Refused(lost);
                }

                pool.Return(sending);
                (sending, pending) = (current, staging.StageOwnAsync(path, id, current.AsMemory(0, length), md5, cancellationToken));
                current = null;

                if (ahead is not null)
                {
                    (current, length, ahead) = (ahead, aheadLength, null);
                }
                else if (length == blockSize)
                {
                    // Read the next block while this one is being sent.
                    var next = pool.Rent(blockSize);
                    var read = await body.ReadAtLeastAsync(next.AsMemory(0, blockSize), blockSize, throwOnEndOfStream: false, cancellationToken);
                    if (read == 0)
                    {
                        pool.Return(next);
                    }
                    else
                    {
                        (current, length) = (next, read);
                    }
                }
            }

            await pending;
        }
        finally
        {
            // Never hand a buffer back while the storage client may still be reading it.
            try
            {
                await pending;
            }
            catch when (sending is not null)
            {
                // The failure that stopped the loop is the one to report.
            }

            pool.Return(sending);
            pool.Return(current);
            pool.Return(ahead);
        }

        var fileMd5 = fileHash.GetHashAndReset();
        if ((Md5Mismatch(contentMd5, fileMd5) ?? await KeepAsync(lease, path, cancellationToken)) is { } refusal)
        {
            return FileUploadResult.Refused(refusal);
        }

        if (!await files.CommitAsync(path, ids, fileMd5, cancellationToken))
        {
            // Some other writer of the blob discarded this upload's blocks (only a writer that ignores the path claim can).
            return FileUploadResult.Refused(new UploadDiscarded(path));
        }

        LogUploaded(logger, path.Value, total, ids.Count);
        return new FileUploadResult(total, ids.Count);
    }

    /// <summary>Renews the write claim when due; <see cref="WriteLeaseLost"/> when it was lost (write nothing more).</summary>
    private static async Task<Outcome?> KeepAsync(WriteLease? lease, StorePath path, CancellationToken cancellationToken) =>
        lease is not null && !await lease.KeepAsync(cancellationToken) ? new WriteLeaseLost(path, WriteAction.UploadFile) : null;

    private static UploadMd5Mismatch? Md5Mismatch(byte[]? expected, byte[] actual) =>
        expected is not null && !expected.AsSpan().SequenceEqual(actual) ? new UploadMd5Mismatch(expected, actual) : null;

    private UploadTooLarge TooLarge(long size) => new(size, MaxFileSize, options.Value.BlockSize);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploaded {StorePath} ({Bytes} bytes in {Blocks} blocks)")]
    private static partial void LogUploaded(ILogger logger, string storePath, long bytes, int blocks);
}
