using System.Buffers;
using System.Security.Cryptography;
using BlobImageStore.Paths;
using BlobImageStore.Storage;

namespace BlobImageStore.Sessions;

/// <summary>Where one attempt stages a chunk: the blob, the session key and this attempt's nonce.</summary>
public sealed record ChunkTarget(StorePath Path, ulong SessionKey, long Nonce);

/// <summary>A body read to its end and checked: its digest, or the refusal.</summary>
public readonly record struct ChunkRead(ChunkDigest Digest, Outcome? Refusal);

/// <summary>
/// Streams a chunk body, never holding it whole: one block at a time into a pooled buffer, staged with its MD5 while the
/// next block is read (so at most two buffers per request). The chunk's <see cref="BlockKind.Final"/> block, which
/// carries the chunk's digest, is staged only after the body ended exactly where Content-Range says and matched its
/// Content-MD5: a refused body leaves no final block, so nothing of it counts (<see cref="ChunkView"/>). Every block ID
/// carries this attempt's nonce, so staging never replaces a block of any other request.
/// </summary>
public sealed class ChunkStreamer(IBlockStaging staging, BlockBufferPool pool)
{
    /// <summary>Reads and checks the body; with a <paramref name="target"/> it also stages it.</summary>
    public async Task<ChunkRead> ReadAsync(ContentRange range, byte[]? contentMd5, ChunkLayout layout, Stream body, ChunkTarget? target, CancellationToken cancellationToken)
    {
        using var md5 = contentMd5 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (range.IsEmptyFile)
        {
            return await EndAsync(body, range, md5, sha, contentMd5, cancellationToken);
        }

        var blocks = layout.Blocks(range.Range).ToList();
        Task pending = Task.CompletedTask;
        byte[]? pendingBuffer = null;
        try
        {
            for (var i = 0; i < blocks.Count; i++)
            {
                var (offset, length) = blocks[i];
                byte[]? buffer = pool.Rent(layout.BlockSize);
                try
                {
                    var read = await body.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken);
                    if (read < length)
                    {
                        return new ChunkRead(default, new BodyTooShort(range, offset - range.First + read));
                    }

                    md5?.AppendData(buffer, 0, length);
                    sha.AppendData(buffer, 0, length);
                    var final = i == blocks.Count - 1;
                    var digest = default(ChunkDigest);
                    if (final)
                    {
                        var end = await EndAsync(body, range, md5, sha, contentMd5, cancellationToken);
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
                        var id = new BlockId(final ? BlockKind.Final : BlockKind.Data, target.SessionKey, range.First, range.Last, offset, target.Nonce, digest).Encode();
                        var write = staging.StageAsync(target.Path, id, buffer.AsMemory(0, length), MD5.HashData(buffer.AsSpan(0, length)), cancellationToken);
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
    public Task VoidAsync(ContentRange range, ChunkTarget target, CancellationToken cancellationToken)
    {
        byte[] one = [0];
        var id = new BlockId(BlockKind.Void, target.SessionKey, range.First, range.Last, range.First, target.Nonce, default).Encode();
        return staging.StageAsync(target.Path, id, one, MD5.HashData(one), cancellationToken);
    }

    private static async Task<ChunkRead> EndAsync(Stream body, ContentRange range, IncrementalHash? md5, IncrementalHash sha, byte[]? contentMd5, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        if (await body.ReadAsync(probe, cancellationToken) > 0)
        {
            return new ChunkRead(default, new BodyTooLong(range));
        }

        if (md5 is not null && contentMd5 is not null && !md5.GetHashAndReset().AsSpan().SequenceEqual(contentMd5))
        {
            return new ChunkRead(default, new Md5Mismatch(range));
        }

        return new ChunkRead(ChunkDigest.From(sha.GetHashAndReset()), null);
    }
}

/// <summary>Pooled block buffers.</summary>
public sealed class BlockBufferPool(int blockSize)
{
    private readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create(blockSize, maxArraysPerBucket: 64);

    public byte[] Rent(int size) => _pool.Rent(size);

    public void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            _pool.Return(buffer);
        }
    }
}
