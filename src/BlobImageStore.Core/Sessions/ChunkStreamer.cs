using System.Security.Cryptography;
using BlobImageStore.Paths;
using BlobImageStore.Storage;

namespace BlobImageStore.Sessions;

/// <summary>
/// Where one attempt stages a chunk: the blob, the session key, this attempt's nonce, and the time after which it never
/// confirms its copy (as stored in its block IDs: whole seconds).
/// </summary>
public sealed record ChunkTarget(StorePath Path, ulong SessionKey, long Nonce, DateTimeOffset ConfirmBy);

/// <summary>A body read to its end and checked: its digest, or the refusal.</summary>
public readonly record struct ChunkRead(ChunkDigest Digest, Outcome? Refusal);

/// <summary>
/// Streams a chunk body, never holding it whole: one block at a time into a buffer from the budgeted
/// <see cref="BlockBufferPool"/>, staged with its MD5 while the next block is read (so at most two buffers per request). The chunk's <see cref="BlockKind.Final"/> block, which
/// carries the chunk's digest, is staged only after the body ended exactly where Content-Range says and matched its
/// Content-MD5: a refused body leaves no final block, so nothing of it counts (<see cref="ChunkView"/>). Every block ID
/// carries this attempt's nonce, so staging never replaces a block of any other request.
/// </summary>
public sealed class ChunkStreamer(IBlockStaging staging, BlockBufferPool pool)
{
    /// <summary>Reads and checks the body; with a <paramref name="target"/> it also stages it.</summary>
    public async Task<ChunkRead> ReadAsync(ContentRange range, byte[]? contentMd5, ChunkLayout layout, Stream body, ChunkTarget? target, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (range.IsEmptyFile)
        {
            return await EndAsync(body, range, contentMd5 is null ? null : MD5.HashData(ReadOnlySpan<byte>.Empty), sha, contentMd5, cancellationToken);
        }

        var blocks = layout.Blocks(range.Range).ToList();

        // Each byte is hashed once per purpose, right after it arrives (still in cache): SHA-256 for the chunk's digest
        // and MD5 for the block's transactional checksum. A chunk of one block (the usual case: the block size is at least
        // the default chunk size) checks its Content-MD5 against that same block MD5; only a chunk of several blocks with
        // a Content-MD5 needs a second MD5 over the whole chunk.
        using var chunkMd5 = contentMd5 is not null && blocks.Count > 1 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        using var blockMd5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        Task pending = Task.CompletedTask;
        byte[]? pendingBuffer = null;
        try
        {
            for (var i = 0; i < blocks.Count; i++)
            {
                var (offset, length) = blocks[i];
                if (!pool.TryRent(length, out var rented))
                {
                    // The budget is spent: give back the previous block's buffer first, so that a waiting request holds
                    // none (requests waiting on each other's buffers could never proceed).
                    await pending;
                    pool.Return(pendingBuffer);
                    pendingBuffer = null;
                    pending = Task.CompletedTask;
                    rented = await pool.RentAsync(length, cancellationToken);
                }

                byte[]? buffer = rented;
                try
                {
                    var read = 0;
                    while (read < length)
                    {
                        var n = await body.ReadAsync(buffer.AsMemory(read, length - read), cancellationToken);
                        if (n == 0)
                        {
                            break;
                        }

                        blockMd5.AppendData(buffer, read, n);
                        sha.AppendData(buffer, read, n);
                        chunkMd5?.AppendData(buffer, read, n);
                        read += n;
                    }

                    if (read < length)
                    {
                        return new ChunkRead(default, new BodyTooShort(range, offset - range.First + read));
                    }

                    var md5 = blockMd5.GetHashAndReset();
                    var final = i == blocks.Count - 1;
                    var digest = default(ChunkDigest);
                    if (final)
                    {
                        var end = await EndAsync(body, range, chunkMd5 is null ? md5 : chunkMd5.GetHashAndReset(), sha, contentMd5, cancellationToken);
                        if (end.Refusal is not null)
                        {
                            return end;
                        }

                        digest = end.Digest;
                    }

                    // The previous block must be stored before this one can be the chunk's last.
                    await pending;
                    pool.Return(pendingBuffer);
                    pendingBuffer = null;
                    pending = Task.CompletedTask;

                    if (target is not null)
                    {
                        var id = new BlockId(final ? BlockKind.Final : BlockKind.Data, target.SessionKey, range.First, range.Last, offset, target.Nonce, digest, target.ConfirmBy).Encode();
                        var write = staging.StageAsync(target.Path, id, buffer.AsMemory(0, length), md5, cancellationToken);
                        if (final)
                        {
                            await write;
                            return new ChunkRead(digest, null);
                        }

                        (pending, pendingBuffer, buffer) = (write, buffer, null);
                    }
                    else if (final)
                    {
                        return new ChunkRead(digest, null);
                    }
                }
                finally
                {
                    pool.Return(buffer);
                }
            }

            throw new InvalidOperationException("A chunk has at least one block.");
        }
        finally
        {
            // Never hand a buffer back while the storage client may still be reading it.
            try
            {
                await pending;
            }
            catch when (pendingBuffer is not null)
            {
                // The failure that stopped the loop is the one to report.
            }

            pool.Return(pendingBuffer);
        }
    }

    /// <summary>Stages this attempt's one-byte void marker: the attempt never counts, whatever else of it is staged.</summary>
    public Task VoidAsync(ContentRange range, ChunkTarget target, CancellationToken cancellationToken) =>
        MarkAsync(BlockKind.Void, range, target, default, cancellationToken);

    /// <summary>Stages this attempt's one-byte confirm marker: from now on its complete copy counts (unless voided).</summary>
    public Task ConfirmAsync(ContentRange range, ChunkTarget target, ChunkDigest digest, CancellationToken cancellationToken) =>
        MarkAsync(BlockKind.Confirm, range, target, digest, cancellationToken);

    private Task MarkAsync(BlockKind kind, ContentRange range, ChunkTarget target, ChunkDigest digest, CancellationToken cancellationToken)
    {
        var id = new BlockId(kind, target.SessionKey, range.First, range.Last, range.First, target.Nonce, digest, target.ConfirmBy).Encode();
        return staging.StageAsync(target.Path, id, Marker, MarkerMd5, cancellationToken);
    }

    private static readonly byte[] Marker = [0];
    private static readonly byte[] MarkerMd5 = MD5.HashData(Marker);

    private static async Task<ChunkRead> EndAsync(Stream body, ContentRange range, byte[]? md5, IncrementalHash sha, byte[]? contentMd5, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        if (await body.ReadAsync(probe, cancellationToken) > 0)
        {
            return new ChunkRead(default, new BodyTooLong(range));
        }

        if (md5 is not null && contentMd5 is not null && !md5.AsSpan().SequenceEqual(contentMd5))
        {
            return new ChunkRead(default, new Md5Mismatch(range));
        }

        return new ChunkRead(ChunkDigest.From(sha.GetHashAndReset()), null);
    }
}
