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
}

/// <summary>
/// The ID of one staged block, protocol version 2. Azure requires every block ID of a blob to have the same length, at
/// most 64 bytes before base64; this one is a fixed 45 bytes (60 characters), the length of version 1 and of whole-file
/// upload IDs, so blocks left on a blob by earlier writers never make a Put Block fail:
/// <code>
///  [0]      version tag 2
///  [1]      kind (<see cref="BlockKind"/>)
///  [2..9]   session key: random per session, from its record (a reused id, or another session on the path, never matches)
///  [10..15] first byte of the chunk (48 bits)
///  [16..21] last byte of the chunk, inclusive (48 bits)
///  [22..27] absolute offset of this block in the file (48 bits)
///  [28..32] attempt nonce: random per request, so no later request can ever re-stage (overwrite) an acknowledged block
///  [33..44] for a final block, the chunk's digest: the first 96 bits of SHA-256 over its bytes; zero otherwise
/// </code>
/// The digest in the final block lets any instance verify a re-send of a received chunk without reading its bytes
/// back and without any state outside the block list.
/// </summary>
public readonly record struct BlockId(BlockKind Kind, ulong SessionKey, long ChunkFirst, long ChunkLast, long Offset, long Nonce, ChunkDigest Digest)
{
    public const byte Version = 2;
    public const int RawLength = 45;
    public const int EncodedLength = 60;
    public const long MaxOffset = (1L << 48) - 1;
    public const long MaxNonce = (1L << 40) - 1;

    public ByteRange Chunk => new(ChunkFirst, ChunkLast);

    public string Encode()
    {
        Span<byte> raw = stackalloc byte[RawLength];
        raw.Clear();
        raw[0] = Version;
        raw[1] = (byte)Kind;
        BinaryPrimitives.WriteUInt64BigEndian(raw[2..10], SessionKey);
        Write48(raw[10..16], ChunkFirst);
        Write48(raw[16..22], ChunkLast);
        Write48(raw[22..28], Offset);
        Span<byte> nonce = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(nonce, Nonce);
        nonce[3..8].CopyTo(raw[28..33]);
        Digest.CopyTo(raw[33..45]);
        return Convert.ToBase64String(raw);
    }

    /// <summary>Decodes an ID written by <see cref="Encode"/>; any other ID (another writer, another version) is not a chunk block.</summary>
    public static bool TryDecode(string encoded, out BlockId id)
    {
        id = default;
        Span<byte> raw = stackalloc byte[RawLength];
        if (encoded.Length != EncodedLength
            || !Convert.TryFromBase64String(encoded, raw, out var written)
            || written != RawLength
            || raw[0] != Version
            || raw[1] > (byte)BlockKind.Void)
        {
            return false;
        }

        Span<byte> nonce = stackalloc byte[8];
        nonce.Clear();
        raw[28..33].CopyTo(nonce[3..8]);
        id = new BlockId(
            (BlockKind)raw[1],
            BinaryPrimitives.ReadUInt64BigEndian(raw[2..10]),
            Read48(raw[10..16]),
            Read48(raw[16..22]),
            Read48(raw[22..28]),
            BinaryPrimitives.ReadInt64BigEndian(nonce),
            ChunkDigest.From(raw[33..45]));
        return true;
    }

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

/// <summary>The first 96 bits of SHA-256 over a chunk's bytes: enough to tell a true re-send from other bytes.</summary>
public readonly record struct ChunkDigest(ulong High, uint Low)
{
    public const int Length = 12;

    public static ChunkDigest From(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes[..8]), BinaryPrimitives.ReadUInt32BigEndian(bytes[8..12]));

    public static ChunkDigest Of(ReadOnlySpan<byte> chunk) => From(System.Security.Cryptography.SHA256.HashData(chunk));

    public void CopyTo(Span<byte> target)
    {
        BinaryPrimitives.WriteUInt64BigEndian(target[..8], High);
        BinaryPrimitives.WriteUInt32BigEndian(target[8..12], Low);
    }

    public override string ToString() => $"{High:x16}{Low:x8}";
}
