using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

public class BlockIdTests
{
    [Fact]
    public void Round_trips_every_field_at_a_fixed_length()
    {
        var id = new BlockId(Guid.NewGuid(), 0xDEADBEEF, 26_214_400, 52_428_799, 30_000_000);

        var encoded = id.Encode();

        Assert.Equal(BlockId.EncodedLength, encoded.Length);
        Assert.True(BlockId.TryDecode(encoded, out var decoded));
        Assert.Equal(id, decoded);
    }

    [Fact]
    public void Ids_of_all_offsets_have_the_same_length_as_Azure_requires()
    {
        var session = Guid.NewGuid();
        var lengths = new[] { 0L, 1, 255, 65_536, 4_294_967_296, long.MaxValue }
            .Select(o => new BlockId(session, 1, 0, long.MaxValue, o).Encode().Length)
            .Distinct();

        Assert.Equal([BlockId.EncodedLength], lengths);
    }

    [Fact]
    public void Different_offsets_sessions_or_incarnations_give_different_ids()
    {
        var session = Guid.NewGuid();
        var ids = new[]
        {
            new BlockId(session, 1, 0, 9, 0), new BlockId(session, 1, 0, 9, 5), new BlockId(session, 2, 0, 9, 0),
            new BlockId(Guid.NewGuid(), 1, 0, 9, 0), new BlockId(session, 1, 0, 19, 0),
        }.Select(i => i.Encode());

        Assert.Equal(5, ids.Distinct().Count());
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
    public void Another_version_tag_is_not_read_as_ours()
    {
        var raw = Convert.FromBase64String(new BlockId(Guid.NewGuid(), 1, 0, 9, 0).Encode());
        raw[0] = 2;

        Assert.False(BlockId.TryDecode(Convert.ToBase64String(raw), out _));
    }
}
