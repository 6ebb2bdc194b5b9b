using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

public class BlockIdTests
{
    private static readonly ChunkDigest Digest = ChunkDigest.Of([1, 2, 3]);

    [Fact]
    public void Round_trips_every_field_at_a_fixed_length()
    {
        var id = new BlockId(BlockKind.Final, 0xDEADBEEF_01234567, 26_214_400, 52_428_799, 30_000_000, 0x12_3456_789A, Digest);

        var encoded = id.Encode();

        Assert.Equal(BlockId.EncodedLength, encoded.Length);
        Assert.True(BlockId.TryDecode(encoded, out var decoded));
        Assert.Equal(id, decoded);
    }

    [Fact]
    public void Ids_of_all_offsets_and_kinds_have_the_same_length_as_Azure_requires_and_as_whole_file_ids()
    {
        var lengths = new[] { 0L, 1, 255, 65_536, 4_294_967_296, BlockId.MaxOffset }
            .SelectMany(o => Enum.GetValues<BlockKind>().Select(k => new BlockId(k, ulong.MaxValue, 0, BlockId.MaxOffset, o, BlockId.MaxNonce, Digest).Encode().Length))
            .Append(Content.FileBlockId.Encode(Guid.NewGuid(), 7).Length)
            .Distinct();

        Assert.Equal([BlockId.EncodedLength], lengths);
    }

    [Fact]
    public void Different_offsets_keys_ranges_attempts_or_kinds_give_different_ids()
    {
        var ids = new[]
        {
            new BlockId(BlockKind.Data, 1, 0, 9, 0, 1, default), new BlockId(BlockKind.Data, 1, 0, 9, 5, 1, default),
            new BlockId(BlockKind.Data, 2, 0, 9, 0, 1, default), new BlockId(BlockKind.Data, 1, 0, 19, 0, 1, default),
            new BlockId(BlockKind.Data, 1, 0, 9, 0, 2, default), new BlockId(BlockKind.Final, 1, 0, 9, 0, 1, default),
            new BlockId(BlockKind.Final, 1, 0, 9, 0, 1, Digest),
        }.Select(i => i.Encode());

        Assert.Equal(7, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all, and sixty characters long...............")]
    [InlineData("YmxvY2stMDAwMDE=")]
    public void Foreign_ids_are_not_ours(string encoded)
    {
        Assert.False(BlockId.TryDecode(encoded, out _));
    }

    [Fact]
    public void Version_1_ids_and_whole_file_ids_are_not_read_as_chunk_blocks()
    {
        var raw = Convert.FromBase64String(new BlockId(BlockKind.Data, 1, 0, 9, 0, 1, default).Encode());
        raw[0] = 1;

        Assert.False(BlockId.TryDecode(Convert.ToBase64String(raw), out _));
        Assert.False(BlockId.TryDecode(Content.FileBlockId.Encode(Guid.NewGuid(), 0), out _));
    }
}
