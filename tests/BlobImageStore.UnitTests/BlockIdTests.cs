using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

public class BlockIdTests
{
    private static readonly ChunkDigest Digest = ChunkDigest.Of([1, 2, 3], ChunkLayout.MaxBlockSize);

    [Fact]
    public void Round_trips_every_field_at_a_fixed_length()
    {
        var id = new BlockId(BlockKind.Final, 0xDEADBEEF_01234567, 26_214_400, 52_428_799, 30_000_000, 0x12_3456_789A, Digest,
            DateTimeOffset.FromUnixTimeSeconds(1_796_000_000));

        var encoded = id.Encode();

        Assert.Equal(BlockId.EncodedLength, encoded.Length);
        Assert.True(BlockId.TryDecode(encoded, out var decoded));
        Assert.Equal(id, decoded);
    }

    [Fact]
    public void Ids_of_all_offsets_and_kinds_have_the_same_length_as_Azure_requires_and_as_whole_file_ids()
    {
        var lengths = new[] { 0L, 1, 255, 65_536, BlockId.MaxChunkLength - 1 }
            .SelectMany(o => Enum.GetValues<BlockKind>().Select(k => new BlockId(k, ulong.MaxValue, BlockId.MaxOffset - BlockId.MaxChunkLength, BlockId.MaxOffset - 1, BlockId.MaxOffset - BlockId.MaxChunkLength + o, BlockId.MaxNonce, Digest, DateTimeOffset.MaxValue).Encode().Length))
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
            new BlockId(BlockKind.Final, 1, 0, 9, 0, 1, Digest), new BlockId(BlockKind.Confirm, 1, 0, 9, 0, 1, Digest),
        }.Select(i => i.Encode());

        Assert.Equal(8, ids.Distinct().Count());
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
    public void The_confirm_by_time_is_kept_to_the_second_rounded_down()
    {
        var at = new DateTimeOffset(2026, 12, 3, 17, 0, 0, 999, TimeSpan.Zero);
        Assert.True(BlockId.TryDecode(new BlockId(BlockKind.Final, 1, 0, 9, 0, 1, Digest, at).Encode(), out var decoded));

        Assert.Equal(at.AddMilliseconds(-999), decoded.ConfirmBy);
        Assert.Equal(decoded.ConfirmBy, BlockId.Stored(at));
    }

    [Fact]
    public void A_chunk_longer_than_the_ID_can_describe_is_refused_when_encoding()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlockId(BlockKind.Data, 1, 0, BlockId.MaxChunkLength, 0, 1, default).Encode());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlockId(BlockKind.Data, 1, 10, 19, 9, 1, default).Encode());
    }

    [Fact]
    public void New_ids_are_version_4_and_carry_the_first_96_bits_of_the_chunks_MD5()
    {
        byte[] chunk = [1, 2, 3];
        var raw = Convert.FromBase64String(new BlockId(BlockKind.Final, 7, 100, 199, 150, 5, ChunkDigest.Of(chunk, ChunkLayout.MaxBlockSize)).Encode());

        Assert.Equal(4, raw[0]);
        Assert.Equal(System.Security.Cryptography.MD5.HashData(chunk)[..12], raw[33..45]);
    }

    [Fact]
    public void Version_3_ids_are_read_with_their_SHA_256_digest_which_never_equals_an_MD5_digest()
    {
        // Version 3 is version 4's layout with the first 96 bits of SHA-256 as the digest.
        byte[] chunk = [1, 2, 3];
        var confirmBy = DateTimeOffset.FromUnixTimeSeconds(1_796_000_000);
        var raw = Convert.FromBase64String(new BlockId(BlockKind.Confirm, 7, 100, 199, 100, 5, default, confirmBy).Encode());
        raw[0] = 3;
        System.Security.Cryptography.SHA256.HashData(chunk).AsSpan(0, 12).CopyTo(raw.AsSpan(33));

        Assert.True(BlockId.TryDecode(Convert.ToBase64String(raw), out var id));
        Assert.Equal(new BlockId(BlockKind.Confirm, 7, 100, 199, 100, 5, ChunkDigest.OfSha256(chunk), confirmBy), id);
        Assert.True(id.Digest.Sha256);
        Assert.False(id.Legacy);
        Assert.NotEqual(ChunkDigest.Of(chunk, ChunkLayout.MaxBlockSize), id.Digest);
        Assert.NotEqual(ChunkDigest.From(raw.AsSpan(33, 12)), id.Digest); // the same 96 bits, read as MD5, are another digest
    }

    [Fact]
    public void An_id_with_a_SHA_256_digest_is_never_written()
    {
        Assert.Throws<ArgumentException>(() => new BlockId(BlockKind.Final, 7, 100, 199, 150, 5, ChunkDigest.OfSha256([1])).Encode());
    }

    [Fact]
    public void Version_2_ids_are_read_as_legacy_copies_with_absolute_offsets_and_no_confirm_kind()
    {
        // Version 2: [0] 2, [1] kind, [2..9] key, [10..15] first, [16..21] last, [22..27] offset, [28..32] nonce, [33..44] digest.
        var raw = new byte[BlockId.RawLength];
        raw[0] = 2;
        raw[1] = (byte)BlockKind.Final;
        raw[9] = 7;
        raw[15] = 100;
        raw[21] = 199;
        raw[27] = 150;
        raw[32] = 5;
        Digest.CopyTo(raw.AsSpan(33, 12));

        Assert.True(BlockId.TryDecode(Convert.ToBase64String(raw), out var id));
        Assert.Equal(new BlockId(BlockKind.Final, 7, 100, 199, 150, 5, Digest with { Sha256 = true }) { Legacy = true }, id);

        raw[1] = (byte)BlockKind.Confirm; // version 2 had no confirm blocks
        Assert.False(BlockId.TryDecode(Convert.ToBase64String(raw), out _));
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
