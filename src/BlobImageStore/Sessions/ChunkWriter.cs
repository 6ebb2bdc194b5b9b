using System.Buffers;
using System.Security.Cryptography;
using BlobImageStore.Errors;
using BlobImageStore.Paths;
using BlobImageStore.Storage;

namespace BlobImageStore.Sessions;

/// <summary>The chunk being written: where, for which session incarnation, and what the client says of it.</summary>
public sealed record ChunkTarget(StorePath Path, Guid SessionId, uint Incarnation, ContentRange Range, byte[]? ContentMd5);

/// <summary>
/// Streams a chunk body into staged blocks. The body is never held whole: it is read one block at a time into a
/// pooled buffer and staged with its MD5, while the next block is read (so at most two buffers per request).
/// The chunk's final block is staged only after the body ended exactly where Content-Range says and matched its
/// Content-MD5, so a rejected chunk leaves nothing that counts as received (see <see cref="StagedChunks"/>).
/// </summary>
public sealed class ChunkWriter(IBlockStaging staging, BlockBufferPool pool)
{
    /// <summary>Reads the body and stages it; with <paramref name="stage"/> false (an exact re-send) it only checks it.</summary>
    public async Task WriteAsync(ChunkTarget target, ChunkLayout layout, Stream body, bool stage, CancellationToken cancellationToken)
    {
        var range = target.Range;
        using var chunkHash = target.ContentMd5 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        if (range.IsEmptyFile)
        {
            await ExpectEndAsync(body, range, cancellationToken);
            CheckMd5(chunkHash, target.ContentMd5);
            return;
        }

        var blocks = layout.Blocks(range.Range).ToList();
        Task pending = Task.CompletedTask;
        byte[]? pendingBuffer = null;
        try
        {
            for (var i = 0; i < blocks.Count; i++)
            {
                var (offset, length) = blocks[i];
                byte[]? buffer = pool.Rent();
                try
                {
                    var read = await body.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken);
                    if (read < length)
                    {
                        throw FabricException.InvalidArgument(
                            $"The body ended after {offset - range.First + read} bytes but {range} names {range.Length} bytes. Nothing of this chunk was kept; send it again with exactly the bytes of the range.");
                    }

                    chunkHash?.AppendData(buffer, 0, length);
                    var final = i == blocks.Count - 1;
                    if (final)
                    {
                        await ExpectEndAsync(body, range, cancellationToken);
                        CheckMd5(chunkHash, target.ContentMd5);
                    }

                    // The previous block must be stored before this one can be the chunk's last.
                    await pending;
                    pool.Return(pendingBuffer);
                    pendingBuffer = null;
                    pending = Task.CompletedTask;

                    if (stage)
                    {
                        var id = new BlockId(target.SessionId, target.Incarnation, range.First, range.Last, offset).Encode();
                        var md5 = MD5.HashData(buffer.AsSpan(0, length));
                        var write = staging.StageAsync(target.Path, id, buffer.AsMemory(0, length), md5, cancellationToken);
                        if (final)
                        {
                            await write;
                        }
                        else
                        {
                            (pending, pendingBuffer, buffer) = (write, buffer, null);
                        }
                    }
                }
                finally
                {
                    pool.Return(buffer);
                }
            }
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

    private static async Task ExpectEndAsync(Stream body, ContentRange range, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        if (await body.ReadAsync(probe, cancellationToken) > 0)
        {
            throw FabricException.InvalidArgument(
                $"The body is longer than the {range.Length} bytes that {range} names. Nothing of this chunk was kept; send exactly the bytes of the range.");
        }
    }

    private static void CheckMd5(IncrementalHash? hash, byte[]? expected)
    {
        if (hash is not null && expected is not null && !hash.GetHashAndReset().AsSpan().SequenceEqual(expected))
        {
            throw FabricException.InvalidArgument(
                "The body does not match its Content-MD5: it was damaged on the way. Nothing of this chunk was kept; send it again.");
        }
    }
}

/// <summary>Pooled block buffers, all of the configured block size.</summary>
public sealed class BlockBufferPool(Microsoft.Extensions.Options.IOptions<ImageStoreOptions> options)
{
    private readonly int _size = options.Value.BlockSize;
    private readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create(options.Value.BlockSize, maxArraysPerBucket: 64);

    public byte[] Rent() => _pool.Rent(_size);

    public void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            _pool.Return(buffer);
        }
    }
}
