using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BlobImageStore.Paths;
using BlobImageStore.Sessions;

namespace BlobImageStore.Storage;

/// <summary>Block staging on the file's own block blob: Put Block, Get Block List, Put Block List.</summary>
public sealed class BlobBlockStaging(StoreContainers containers) : IBlockStaging
{
    private static readonly BlobHttpHeaders FileHeaders = new() { ContentType = "application/octet-stream" };

    public async Task<IReadOnlyList<StagedBlock>> GetBlocksAsync(StorePath path, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            BlockList list = await Blob(path).GetBlockListAsync(BlockListTypes.All, cancellationToken: cancellationToken);
            return list.CommittedBlocks.Select(b => new StagedBlock(b.Name, b.SizeLong, Committed: true))
                .Concat(list.UncommittedBlocks.Select(b => new StagedBlock(b.Name, b.SizeLong, Committed: false)))
                .ToList();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return [];
        }
    }

    public async Task<bool> StageAsync(StorePath path, string blockId, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        // MD5, not CRC64: Azurite corrupts CRC64-validated uploads. The hash is given (ours, or the client's Content-MD5),
        // so the SDK does not hash again; the store checks the bytes it received against it.
        var options = new BlockBlobStageBlockOptions
        {
            TransferValidation = new UploadTransferValidationOptions
            {
                ChecksumAlgorithm = StorageChecksumAlgorithm.MD5,
                PrecalculatedChecksum = md5,
            },
        };
        await using var stream = BinaryData.FromBytes(content).ToStream();
        try
        {
            await Blob(path).StageBlockAsync(blockId, stream, options, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (IsMd5Mismatch(e))
        {
            return false;
        }
    }

    /// <summary>
    /// Azure answers a Put Block whose bytes do not match its Content-MD5 with 400 Md5Mismatch; Azurite (3.35) with 400
    /// InvalidOperation "Provided contentMD5 doesn't match." (the storage contract tests run this on Azurite).
    /// </summary>
    private static bool IsMd5Mismatch(RequestFailedException e) =>
        e.Status == 400 && (e.ErrorCode == BlobErrorCode.Md5Mismatch
            || (e.ErrorCode == BlobErrorCode.InvalidOperation && e.Message.StartsWith("Provided contentMD5 doesn't match", StringComparison.Ordinal)));

    public async Task<bool> TryCommitAsync(StorePath path, IReadOnlyList<string> blockIds, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        try
        {
            await Blob(path).CommitBlockListAsync(blockIds, new CommitBlockListOptions { HttpHeaders = FileHeaders }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 400 && e.ErrorCode == "InvalidBlockList")
        {
            return false;
        }
    }

    private BlockBlobClient Blob(StorePath path) => containers.Files.GetBlockBlobClient(path.Value);
}
