using System.Security.Cryptography;
using BlobImageStore.Paths;
using BlobImageStore.Storage;

namespace BlobImageStore.Sessions;

/// <summary>
/// Where one attempt stages a chunk: the blob, the session key, this attempt's nonce, and the time after which it never
/// confirms its copy (as stored in its block IDs: whole seconds).
/// </summary>
public sealed record ChunkTarget(StorePath Path, ulong SessionKey, long Nonce, DateTimeOffset ConfirmBy);

/// <summary>A body read to its end and checked: its digest (and, when asked for, its SHA-256 digest), or the refusal.</summary>
public readonly record struct ChunkRead(ChunkDigest Digest, Outcome? Refusal, ChunkDigest? Sha256 = null)
{
    public BodyDigests Digests => new(Digest, Sha256);
}

/// <summary>
/// Streams a chunk body, never holding it whole: one block at a time into a buffer from the budgeted
/// <see cref="BlockBufferPool"/>, staged with its MD5 while the next block is read (so at most two buffers per request). The chunk's <see cref="BlockKind.Final"/> block, which
/// carries the chunk's digest, is staged only after the body ended exactly where Content-Range says and matched its
/// Content-MD5: a refused body leaves no final block, so nothing of it counts (<see cref="ChunkView"/>). Every block ID
/// carries this attempt's nonce, so staging never replaces a block of any other request.
/// <para>
/// What is hashed here, once per byte at most but for one case: a chunk of one block that carries a Content-MD5 and is
/// being staged is hashed by nobody but the store. The client's MD5 goes with the block as its transactional checksum,
/// the store checks the bytes it received against it, end to end (a mismatch is <see cref="Md5Mismatch"/>, and nothing
/// was staged), and it is the chunk's digest. Any other chunk gets one MD5 per block, right as the bytes arrive: the
/// block's checksum, and the chunk's digest (<see cref="ChunkDigest.Of"/>: for several blocks, the MD5 over theirs). The
/// one case of two passes is a chunk of several blocks with a Content-MD5, which needs the MD5 of the whole chunk too.
/// </para>
/// </summary>
public sealed class ChunkStreamer(IBlockStaging staging, BlockBufferPool pool)
{
    /// <summary>
    /// Reads and checks the body; with a <paramref name="target"/> it also stages it. <paramref name="sha256"/>: also
    /// compute the SHA-256 digest, to verify a re-send against a copy staged by an older version (<see cref="ChunkDigest.Sha256"/>).
    /// </summary>
    public async Task<ChunkRead> ReadAsync(ContentRange range, byte[]? contentMd5, ChunkLayout layout, Stream body, ChunkTarget? target, bool sha256, CancellationToken cancellationToken)
    {
        using var sha = sha256 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        if (range.IsEmptyFile)
        {
            var none = MD5.HashData(ReadOnlySpan<byte>.Empty);
            return await EndAsync(body, range, none, none, contentMd5, sha, cancellationToken);
        }

        var blocks = layout.Blocks(range.Range).ToList();
        var single = blocks.Count == 1;

        // See the class summary: which hashes this chunk needs.
        var storeChecks = target is not null && contentMd5 is not null && single;
        using var blockMd5 = storeChecks ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var chunkMd5 = !single && contentMd5 is not null ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        using var blockList = single ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
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

                        blockMd5?.AppendData(buffer, read, n);
                        chunkMd5?.AppendData(buffer, read, n);
                        sha?.AppendData(buffer, read, n);
                        read += n;
                    }

                    if (read < length)
                    {
                        return new ChunkRead(default, new BodyTooShort(range, offset - range.First + read));
                    }

                    var md5 = blockMd5?.GetHashAndReset() ?? contentMd5!;
                    blockList?.AppendData(md5);
                    var final = i == blocks.Count - 1;
                    var digest = default(ChunkDigest);
                    if (final)
                    {
                        var end = single
                            ? await EndAsync(body, range, md5, md5, contentMd5, sha, cancellationToken)
                            : await EndAsync(body, range, chunkMd5?.GetHashAndReset(), blockList!.GetHashAndReset(), contentMd5, sha, cancellationToken);
                        if (end.Refusal is not null || target is null)
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

                    if (target is null)
                    {
                        continue;
                    }

                    var id = new BlockId(final ? BlockKind.Final : BlockKind.Data, target.SessionKey, range.First, range.Last, offset, target.Nonce, digest, target.ConfirmBy).Encode();
                    if (!final)
                    {
                        (pending, pendingBuffer, buffer) = (staging.StageOwnAsync(target.Path, id, buffer.AsMemory(0, length), md5, cancellationToken), buffer, null);
                        continue;
                    }

                    if (!storeChecks)
                    {
                        await staging.StageOwnAsync(target.Path, id, buffer.AsMemory(0, length), md5, cancellationToken);
                        return new ChunkRead(digest, null);
                    }

                    // The client's MD5: the store's check is the chunk's Content-MD5 check.
                    return await staging.StageAsync(target.Path, id, buffer.AsMemory(0, length), md5, cancellationToken)
                        ? new ChunkRead(digest, null)
                        : new ChunkRead(default, new Md5Mismatch(range));
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
        return staging.StageOwnAsync(target.Path, id, Marker, MarkerMd5, cancellationToken);
    }

    private static readonly byte[] Marker = [0];
    private static readonly byte[] MarkerMd5 = MD5.HashData(Marker);

    /// <summary>
    /// The body's end: nothing may follow the range, and the chunk's MD5 must match the Content-MD5 (a null MD5: not
    /// computed, nothing to check); <paramref name="digest"/> is the hash the chunk's digest is taken from.
    /// </summary>
    private static async Task<ChunkRead> EndAsync(Stream body, ContentRange range, byte[]? md5, byte[] digest, byte[]? contentMd5, IncrementalHash? sha, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        if (await body.ReadAsync(probe, cancellationToken) > 0)
        {
            return new ChunkRead(default, new BodyTooLong(range));
        }

        if (contentMd5 is not null && md5 is not null && !md5.AsSpan().SequenceEqual(contentMd5))
        {
            return new ChunkRead(default, new Md5Mismatch(range));
        }

        return new ChunkRead(ChunkDigest.From(digest), null, sha is null ? null : ChunkDigest.FromSha256(sha.GetHashAndReset()));
    }
}
