using System.Buffers.Binary;

namespace BlobImageStore.Sessions;

/// <summary>What a staged block is to its chunk.</summary>
public enum BlockKind : byte
{
    /// <summary>A block of the chunk's bytes other than its last.</summary>
    Data = 0,

    /// <summary>The chunk's last block, staged only after the whole body was read and checked; carries the chunk's digest.</summary>
    Final = 1,

    /// <summary>A one-byte marker: this attempt was refused after its final block was staged, so it never counts.</summary>
    Void = 2,

    /// <summary>
    /// A one-byte marker staged after the final block once the attempt found no competing copy, before it is answered:
    /// only a confirmed copy counts (<see cref="ChunkView"/>). A copy that is complete but not confirmed still holds its
    /// range against other bytes until its <see cref="BlockId.ConfirmBy"/> (plus the clock skew), and never counts.
    /// </summary>
    Confirm = 3,
}

/// <summary>
/// The ID of one staged block, protocol version 4. Azure requires every block ID of a blob to have the same length, at
/// most 64 bytes before base64; this one is a fixed 45 bytes (60 characters), the length of versions 2 and 3 and of
/// whole-file upload IDs, so blocks left on a blob by earlier writers never make a Put Block fail:
/// <code>
///  [0]      version tag 4
///  [1]      kind (<see cref="BlockKind"/>)
///  [2..9]   session key: random per session, from its record (a reused id, or another session on the path, never matches)
///  [10..15] first byte of the chunk (48 bits)
///  [16..19] last byte of the chunk minus its first (32 bits: a chunk is at most ImageStore:MaxChunkSize, under 4 GiB)
///  [20..23] offset of this block from the chunk's first byte (32 bits)
///  [24..27] confirm-by: the Unix second after which this attempt never confirms (32 bits, unsigned)
///  [28..32] attempt nonce: random per request, so no later request can ever re-stage (overwrite) an acknowledged block
///  [33..44] for a final or confirm block, the chunk's digest (<see cref="ChunkDigest.Of"/>): the first 96 bits of its MD5,
///           or for a chunk of several blocks of the MD5 over its blocks' MD5s; zero otherwise
/// </code>
/// The digest in the final block lets any instance verify a re-send of a received chunk without reading its bytes
/// back and without any state outside the block list. It is MD5, the hash of the wire's Content-MD5 and of Azure's
/// transactional check, so a chunk of one block with a Content-MD5 is hashed by nobody but the store (see
/// <see cref="ChunkStreamer"/>). Older IDs are still read: version 3 is this layout with a SHA-256 digest
/// (<see cref="ChunkDigest.Sha256"/>); version 2 (absolute 48-bit offsets, no confirm-by, SHA-256) counts a complete
/// copy as confirmed (<see cref="Legacy"/>), as it did under version 2's rules.
/// </summary>
public readonly record struct BlockId(BlockKind Kind, ulong SessionKey, long ChunkFirst, long ChunkLast, long Offset, long Nonce, ChunkDigest Digest, DateTimeOffset ConfirmBy = default)
{
    public const byte Version = 4;
    public const byte Sha256Version = 3;
    public const byte LegacyVersion = 2;
    public const int RawLength = 45;
    public const int EncodedLength = 60;
    public const long MaxOffset = (1L << 48) - 1;
    public const long MaxNonce = (1L << 40) - 1;

    /// <summary>The longest chunk an ID can describe: 2^32 bytes (ImageStore:MaxChunkSize is at most 4000 MiB).</summary>
    public const long MaxChunkLength = 1L << 32;

    public ByteRange Chunk => new(ChunkFirst, ChunkLast);

    /// <summary>Decoded from a version 2 ID: written before confirm blocks existed, so its complete copies count as confirmed.</summary>
    public bool Legacy { get; init; }

    public string Encode()
    {
        if (ChunkFirst < 0 || ChunkFirst > MaxOffset || ChunkLast < ChunkFirst || ChunkLast - ChunkFirst >= MaxChunkLength
            || Offset < ChunkFirst || Offset - ChunkFirst >= MaxChunkLength)
        {
            throw new ArgumentOutOfRangeException(nameof(Offset), $"A block ID describes chunks of at most {MaxChunkLength} bytes starting below {MaxOffset}.");
        }

        if (Digest.Sha256)
        {
            throw new ArgumentException("New block IDs carry MD5 digests; a SHA-256 digest is only ever read from an older ID.", nameof(Digest));
        }

        Span<byte> raw = stackalloc byte[RawLength];
        raw.Clear();
        raw[0] = Version;
        raw[1] = (byte)Kind;
        BinaryPrimitives.WriteUInt64BigEndian(raw[2..10], SessionKey);
        Write48(raw[10..16], ChunkFirst);
        BinaryPrimitives.WriteUInt32BigEndian(raw[16..20], (uint)(ChunkLast - ChunkFirst));
        BinaryPrimitives.WriteUInt32BigEndian(raw[20..24], (uint)(Offset - ChunkFirst));
        BinaryPrimitives.WriteUInt32BigEndian(raw[24..28], ToSeconds(ConfirmBy));
        Span<byte> nonce = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(nonce, Nonce);
        nonce[3..8].CopyTo(raw[28..33]);
        Digest.CopyTo(raw[33..45]);
        return Convert.ToBase64String(raw);
    }

    /// <summary>The confirm-by time as the ID stores it: whole seconds, rounded down (what every reader decodes).</summary>
    public static DateTimeOffset Stored(DateTimeOffset confirmBy) => FromSeconds(ToSeconds(confirmBy));

    /// <summary>Decodes an ID written by <see cref="Encode"/> (or a version 2 ID); any other ID (another writer, another version) is not a chunk block.</summary>
    public static bool TryDecode(string encoded, out BlockId id)
    {
        id = default;
        Span<byte> raw = stackalloc byte[RawLength];
        if (encoded.Length != EncodedLength
            || !Convert.TryFromBase64String(encoded, raw, out var written)
            || written != RawLength
            || raw[0] is not (Version or Sha256Version or LegacyVersion)
            || raw[1] > (byte)(raw[0] == LegacyVersion ? BlockKind.Void : BlockKind.Confirm))
        {
            return false;
        }

        Span<byte> nonce = stackalloc byte[8];
        nonce.Clear();
        raw[28..33].CopyTo(nonce[3..8]);
        var first = Read48(raw[10..16]);
        var legacy = raw[0] == LegacyVersion;
        id = new BlockId(
            (BlockKind)raw[1],
            BinaryPrimitives.ReadUInt64BigEndian(raw[2..10]),
            first,
            legacy ? Read48(raw[16..22]) : first + BinaryPrimitives.ReadUInt32BigEndian(raw[16..20]),
            legacy ? Read48(raw[22..28]) : first + BinaryPrimitives.ReadUInt32BigEndian(raw[20..24]),
            BinaryPrimitives.ReadInt64BigEndian(nonce),
            raw[0] == Version ? ChunkDigest.From(raw[33..45]) : ChunkDigest.FromSha256(raw[33..45]),
            legacy ? default : FromSeconds(BinaryPrimitives.ReadUInt32BigEndian(raw[24..28])))
        {
            Legacy = legacy,
        };
        return true;
    }

    private static DateTimeOffset FromSeconds(uint seconds) => seconds == 0 ? default : DateTimeOffset.FromUnixTimeSeconds(seconds);

    private static uint ToSeconds(DateTimeOffset time) =>
        (uint)Math.Clamp(time.ToUnixTimeSeconds(), 0, uint.MaxValue);

    private static void Write48(Span<byte> target, long value)
    {
        Span<byte> all = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(all, value);
        all[2..8].CopyTo(target);
    }

    private static long Read48(ReadOnlySpan<byte> source)
    {
        Span<byte> all = stackalloc byte[8];
        all.Clear();
        source.CopyTo(all[2..8]);
        return BinaryPrimitives.ReadInt64BigEndian(all);
    }
}

/// <summary>
/// The first 96 bits of a chunk's MD5, or of the MD5 over its blocks' MD5s (<see cref="Of"/>): enough to tell a true
/// re-send from other bytes. It is no security boundary: only the session's owner sends its chunks, so what keeps anyone
/// else out is that nobody can match the owner's bytes (a second preimage of 96 bits: 2^96 work, for MD5 as for the
/// SHA-256 of versions 2 and 3); an owner that crafts a collision against its own session deceives only itself.
/// <see cref="Sha256"/>: read from a version 2 or 3 ID, whose digest is the first 96 bits of SHA-256; it never equals an
/// MD5 digest, so such a copy is matched only by the SHA-256 of a re-send (<see cref="ChunkRead.Sha256"/>).
/// </summary>
public readonly record struct ChunkDigest(ulong High, uint Low, bool Sha256 = false)
{
    public const int Length = 12;

    /// <summary>The digest of an MD5 hash (its first 12 bytes).</summary>
    public static ChunkDigest From(ReadOnlySpan<byte> md5) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(md5[..8]), BinaryPrimitives.ReadUInt32BigEndian(md5[8..12]));

    /// <summary>The digest of a SHA-256 hash (its first 12 bytes), as versions 2 and 3 wrote it.</summary>
    public static ChunkDigest FromSha256(ReadOnlySpan<byte> sha256) => From(sha256) with { Sha256 = true };

    /// <summary>
    /// The digest of a chunk cut into blocks of <paramref name="blockSize"/>: the MD5 of a chunk of one block, else the MD5
    /// over its blocks' MD5s in order (the hashes its blocks are staged with, so each byte is hashed once).
    /// </summary>
    public static ChunkDigest Of(ReadOnlySpan<byte> chunk, int blockSize)
    {
        if (chunk.Length <= blockSize)
        {
            return From(System.Security.Cryptography.MD5.HashData(chunk));
        }

        using var blocks = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
        Span<byte> md5 = stackalloc byte[16];
        for (var offset = 0; offset < chunk.Length; offset += blockSize)
        {
            System.Security.Cryptography.MD5.HashData(chunk.Slice(offset, Math.Min(blockSize, chunk.Length - offset)), md5);
            blocks.AppendData(md5);
        }

        return From(blocks.GetHashAndReset());
    }

    public static ChunkDigest OfSha256(ReadOnlySpan<byte> chunk) => FromSha256(System.Security.Cryptography.SHA256.HashData(chunk));

    public void CopyTo(Span<byte> target)
    {
        BinaryPrimitives.WriteUInt64BigEndian(target[..8], High);
        BinaryPrimitives.WriteUInt32BigEndian(target[8..12], Low);
    }

    public override string ToString() => $"{(Sha256 ? "sha256:" : "md5:")}{High:x16}{Low:x8}";
}

/// <summary>
/// What a body's bytes are known by: its MD5 digest and, when computed, its SHA-256 digest, so that it can be compared
/// with copies staged by versions 2 and 3 too. Without a SHA-256 digest such a copy is taken for other bytes (the safe
/// side: the body then stands back or is refused, never counted as the same).
/// </summary>
public readonly record struct BodyDigests(ChunkDigest Md5, ChunkDigest? Sha256 = null)
{
    public bool SameBytesAs(ChunkDigest stored) => stored == (stored.Sha256 ? Sha256 : Md5);

    public static implicit operator BodyDigests(ChunkDigest md5) => new(md5);
}
