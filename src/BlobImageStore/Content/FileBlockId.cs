using System.Buffers.Binary;
using BlobImageStore.Sessions;

namespace BlobImageStore.Content;

/// <summary>
/// Block IDs of a whole-file upload (UploadFile bodies larger than one block). Azure requires every block ID of a blob
/// to have the same length, and a path may still hold uncommitted blocks of an upload session (60-character
/// <see cref="BlockId"/>s), so these have that length too: 45 bytes, base64-encoded.
/// <code>
///  [0]      tag 0x80 — not <see cref="BlockId.Version"/>, so session logic never takes these for chunk blocks
///  [1..16]  the upload's own random id: blocks of an upload that failed can never be mistaken for another's
///  [17..20] block index in the file
///  [21..44] zero
/// </code>
/// </summary>
public static class FileBlockId
{
    public const byte Tag = 0x80;

    public static string Encode(Guid uploadId, int index)
    {
        Span<byte> raw = stackalloc byte[BlockId.RawLength];
        raw.Clear();
        raw[0] = Tag;
        uploadId.TryWriteBytes(raw[1..17], bigEndian: true, out _);
        BinaryPrimitives.WriteInt32BigEndian(raw[17..21], index);
        return Convert.ToBase64String(raw);
    }
}
