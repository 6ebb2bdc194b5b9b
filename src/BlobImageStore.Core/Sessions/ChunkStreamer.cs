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
/// What is hashed here: a chunk of one block (the usual case) that carries a Content-MD5 and is being staged is hashed
/// by nobody but the store. The client's MD5 goes with the block as its transactional checksum and the store checks
/// the bytes it received against it, end to end (a mismatch is <see cref="Md5Mismatch"/>, and nothing was staged), and
/// it is the chunk's digest. Any other chunk gets one MD5 pass for its digest and Content-MD5 check, which for a chunk of
/// one block is also the block's checksum; a chunk of several blocks gets one more pass for the block checksums.
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
            return await EndAsync(body, range, MD5.HashData(ReadOnlySpan<byte>.Empty), contentMd5, sha, cancellationToken);
        }

        var blocks = layout.Blocks(range.Range).ToList();

        // Each byte is hashed at most once per purpose, right after it arrives (still in cache); see the class summary.
        var storeChecks = target is not null && contentMd5 is not null && blocks.Count == 1;
        using var chunkMd5 = storeChecks ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var blockMd5 = blocks.Count > 1 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
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

                    var final = i == blocks.Count - 1;
                    var md5 = blockMd5?.GetHashAndReset();
                    var digest = default(ChunkDigest);
                    if (final)
                    {
                        var end = await EndAsync(body, range, chunkMd5?.GetHashAndReset() ?? contentMd5!, contentMd5, sha, cancellationToken);
                        if (end.Refusal is not null || target is null)
                        {
                            return end;
                        }

                        digest = end.Digest;
                        md5 ??= end.Md5; // one block: the chunk's MD5, the client's where the store checks it
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
                        (pending, pendingBuffer, buffer) = (staging.StageOwnAsync(target.Path, id, buffer.AsMemory(0, length), md5!, cancellationToken), buffer, null);
                        continue;
                    }

                    if (await staging.StageAsync(target.Path, id, buffer.AsMemory(0, length), md5!, cancellationToken))
                    {
                        return new ChunkRead(digest, null);
                    }

                    // Only the client's MD5 can be wrong here (ours were computed from the buffer sent).
                    return storeChecks
                        ? new ChunkRead(default, new Md5Mismatch(range))
                        : throw new IOException($"The store received other bytes for a block of '{target.Path.Value}' than were sent (its MD5 did not match).");
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

    /// <summary>The body's end: nothing may follow the range, and the MD5 must match the Content-MD5 (unless the store checks it).</summary>
    private static async Task<Ended> EndAsync(Stream body, ContentRange range, byte[] md5, byte[]? contentMd5, IncrementalHash? sha, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        if (await body.ReadAsync(probe, cancellationToken) > 0)
        {
            return new Ended(new ChunkRead(default, new BodyTooLong(range)), md5);
        }

        if (contentMd5 is not null && !md5.AsSpan().SequenceEqual(contentMd5))
        {
            return new Ended(new ChunkRead(default, new Md5Mismatch(range)), md5);
        }

        return new Ended(new ChunkRead(ChunkDigest.From(md5), null, sha is null ? null : ChunkDigest.FromSha256(sha.GetHashAndReset())), md5);
    }

    /// <summary>The read as it ended, and the chunk's MD5 (the checksum of a chunk of one block).</summary>
    private readonly record struct Ended(ChunkRead Read, byte[] Md5)
    {
        public Outcome? Refusal => Read.Refusal;

        public ChunkDigest Digest => Read.Digest;

        public static implicit operator ChunkRead(Ended ended) => ended.Read;
    }
}
