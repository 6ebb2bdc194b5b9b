namespace BlobImageStore.Sessions;

/// <summary>The protocol's settings, from <c>ImageStoreOptions</c>.</summary>
/// <param name="BlockSize">Staging block size of new sessions (recorded with each session).</param>
/// <param name="Expiry">A session lives at least this long after its last accepted chunk, and at most <see cref="Horizon"/> after its last chunk (docs/protocol.md).</param>
/// <param name="Retention">How long tombstones are kept.</param>
public sealed record SessionRules(int BlockSize, long MaxChunkSize, TimeSpan Expiry, TimeSpan Retention)
{
    /// <summary>A commit whose Put Block List has not finished after this long is presumed crashed; the cleanup finishes it.</summary>
    public TimeSpan CommitLease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A whole-file write holds its path this long at a time, renewed while it makes progress.</summary>
    public TimeSpan WriteLease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Clock difference tolerated between instances: a lease is taken over only this long after it ended.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest time a chunk may be received (its deadline when its request has none).</summary>
    public TimeSpan MaxReceive { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How far a record write moves the session's horizon (<see cref="UploadSessionRecord.ReceivingUntil"/>):
    /// 1.5 × max(<see cref="Expiry"/>, <see cref="MaxReceive"/>) + <see cref="ClockSkew"/>. A chunk needs at most
    /// max(its deadline, <see cref="Expiry"/>) + <see cref="ClockSkew"/> ahead, so after a write the chunks of a busy
    /// session write again only once in at least half of max(<see cref="Expiry"/>, <see cref="MaxReceive"/>).
    /// </summary>
    public TimeSpan Horizon => HorizonFor(MaxReceive);

    /// <summary>
    /// How far a record write made for a chunk that needs <paramref name="ahead"/> (its own receive time at the open,
    /// <see cref="Expiry"/> at the acknowledgement) moves the horizon: 1.5 × max(<see cref="Expiry"/>, ahead) +
    /// <see cref="ClockSkew"/>. At most <see cref="Horizon"/>; a chunk with the default 60 s timeout does not keep an
    /// abandoned session alive for <see cref="MaxReceive"/>.
    /// </summary>
    public TimeSpan HorizonFor(TimeSpan ahead) => (Expiry > ahead ? Expiry : ahead) * 1.5 + ClockSkew;

    /// <summary>How long a chunk of a request with <paramref name="timeout"/> may be received: the timeout, at most <see cref="MaxReceive"/>.</summary>
    public TimeSpan ReceiveTime(TimeSpan? timeout) =>
        timeout is { } t && t < MaxReceive ? (t > TimeSpan.Zero ? t : TimeSpan.Zero) : MaxReceive;

    public ChunkLayout Layout(UploadSessionRecord? record) =>
        new(record is { BlockSize: > 0 } r ? r.BlockSize : BlockSize, MaxChunkSize);

    /// <summary>The layout a new session of a file of <paramref name="fileSize"/> bytes gets (<see cref="BlockSizeFor"/>).</summary>
    public ChunkLayout LayoutFor(long fileSize) => new(BlockSizeFor(fileSize), MaxChunkSize);

    /// <summary>
    /// The block size of a new session, chosen from its file size and recorded with the session: the configured size,
    /// or, when the file would need more than <see cref="ChunkLayout.MaxBlocksForData"/> blocks of it, the smallest
    /// whole number of MiB that fits (at most <see cref="ChunkLayout.MaxBlockSize"/>). So the file size is bounded by
    /// the chunk-count rule and Azure's block size, not by this setting.
    /// </summary>
    public int BlockSizeFor(long fileSize)
    {
        var needed = (fileSize + ChunkLayout.MaxBlocksForData - 1) / ChunkLayout.MaxBlocksForData;
        if (needed <= BlockSize)
        {
            return BlockSize;
        }

        const long MiB = 1024 * 1024;
        return (int)Math.Min(ChunkLayout.MaxBlockSize, (needed + MiB - 1) / MiB * MiB);
    }
}
