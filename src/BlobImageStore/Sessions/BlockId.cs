using System.Buffers.Binary;

namespace BlobImageStore.Sessions;

/// <summary>
/// The ID of one staged block. Azure requires every block ID of a blob to have the same length, so the ID is a
/// fixed 45-byte record, base64-encoded to 60 characters (the limit is 64 bytes before encoding):
/// <code>
///  [0]      version tag (1) — lets the scheme change without misreading old blocks
///  [1..16]  session id (GUID)
///  [17..20] session incarnation (random, from the session record: a reused session id never sees old blocks)
///  [21..28] first byte of the chunk this block belongs to
///  [29..36] last byte of that chunk (inclusive)
///  [37..44] absolute byte offset of this block in the file
/// </code>
/// Carrying the chunk's bounds lets a reader tell a whole chunk from the leftovers of one that failed half-way:
/// a chunk's final block is staged only after its body was read and checked in full (see <see cref="StagedChunks"/>).
/// </summary>
public readonly record struct BlockId(Guid SessionId, uint Incarnation, long ChunkFirst, long ChunkLast, long Offset)
{
    public const byte Version = 1;
    public const int RawLength = 45;
    public const int EncodedLength = 60;

    public string Encode()
    {
        Span<byte> raw = stackalloc byte[RawLength];
        raw[0] = Version;
        SessionId.TryWriteBytes(raw[1..17], bigEndian: true, out _);
        BinaryPrimitives.WriteUInt32BigEndian(raw[17..21], Incarnation);
        BinaryPrimitives.WriteInt64BigEndian(raw[21..29], ChunkFirst);
        BinaryPrimitives.WriteInt64BigEndian(raw[29..37], ChunkLast);
        BinaryPrimitives.WriteInt64BigEndian(raw[37..45], Offset);
        return Convert.ToBase64String(raw);
    }

    /// <summary>Decodes an ID written by <see cref="Encode"/>; any other ID (another writer, another version) is not ours.</summary>
    public static bool TryDecode(string encoded, out BlockId id)
    {
        id = default;
        Span<byte> raw = stackalloc byte[RawLength];
        if (encoded.Length != EncodedLength
            || !Convert.TryFromBase64String(encoded, raw, out var written)
            || written != RawLength
            || raw[0] != Version)
        {
            return false;
        }

        id = new BlockId(
            new Guid(raw[1..17], bigEndian: true),
            BinaryPrimitives.ReadUInt32BigEndian(raw[17..21]),
            BinaryPrimitives.ReadInt64BigEndian(raw[21..29]),
            BinaryPrimitives.ReadInt64BigEndian(raw[29..37]),
            BinaryPrimitives.ReadInt64BigEndian(raw[37..45]));
        return true;
    }
}
