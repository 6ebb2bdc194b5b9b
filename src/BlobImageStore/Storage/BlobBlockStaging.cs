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

    public Task CommitAsync(StorePath path, IReadOnlyList<string> blockIds, CancellationToken cancellationToken) =>
        Blob(path).CommitBlockListAsync(blockIds, new CommitBlockListOptions { HttpHeaders = FileHeaders }, cancellationToken);

    public async Task DiscardUncommittedAsync(StorePath path, CancellationToken cancellationToken)
    {
        // Azure has no call that deletes uncommitted blocks. It drops them when the blob is next committed, and
        // after a week otherwise. Where no committed file exists, commit an empty block list (If-None-Match: *, so a
        // file that appears meanwhile is never overwritten) and delete that empty blob (If-Match its ETag): the
        // blocks go with it. Where a committed file exists we leave it alone: re-committing it would change its
        // ETag and time, and race its writers. The session's blocks then wait for Azure's own clean-up; they are
        // never read again, because the next session on the path has another incarnation in its block IDs.
        // (Azurite keeps uncommitted blocks across Put Blob and Delete Blob; the incarnation covers that too.)
        var blob = Blob(path);
        try
        {
            var empty = await blob.CommitBlockListAsync([],
                new CommitBlockListOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken);
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots,
                new BlobRequestConditions { IfMatch = empty.Value.ETag }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // A committed file is there: leave it (see above).
        }
    }

    private BlockBlobClient Blob(StorePath path) => containers.Files.GetBlockBlobClient(path.Value);
}
