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

    public async Task StageAsync(StorePath path, string blockId, ReadOnlyMemory<byte> content, byte[] md5, CancellationToken cancellationToken)
    {
        await containers.EnsureCreatedAsync(cancellationToken);
        // MD5, not CRC64: Azurite corrupts CRC64-validated uploads. The hash is ours, so the SDK does not hash again.
        var options = new BlockBlobStageBlockOptions
        {
            TransferValidation = new UploadTransferValidationOptions
            {
                ChecksumAlgorithm = StorageChecksumAlgorithm.MD5,
                PrecalculatedChecksum = md5,
            },
        };
        await using var stream = BinaryData.FromBytes(content).ToStream();
        await Blob(path).StageBlockAsync(blockId, stream, options, cancellationToken);
    }

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
