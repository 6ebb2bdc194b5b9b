using System.Security.Cryptography;
using BlobImageStore.Sessions;
using static BlobImageStore.ModelTests.Steps;

namespace BlobImageStore.ModelTests;

/// <summary>
/// A session that spans an upgrade from version 3 (chunk digests are SHA-256) to version 4 (MD5): a copy staged and
/// confirmed by the older version still counts, and a re-send of it is verified against its SHA-256 digest, so the same
/// bytes get their 200 and other bytes their 409, as before the upgrade.
/// </summary>
public class DigestVersionTests
{
    private const int Piece = 0;

    [Theory]
    [InlineData(Body.Good, typeof(ResendMatched))]
    [InlineData(Body.GoodNoMd5, typeof(ResendMatched))]
    [InlineData(Body.Other, typeof(ResendConflict))]
    public async Task A_re_send_of_a_chunk_confirmed_by_version_3_is_verified_against_its_SHA_256_digest(Body body, Type expected)
    {
        var world = new World();
        await InAsync(world, 10, piece: 1);
        await InAsync(world, 11, piece: 2);
        await StageVersion3CopyAsync(world, World.Pieces[Piece]);

        var resend = Start(world, 1, Piece, body);
        RunWhile(world, 1, () => !resend.IsCompleted);

        Assert.IsType(expected, await resend);
        Assert.IsType<SessionCommitted>(await world.Instances[0].Sessions.CommitAsync(world.Sessions[0], null, CancellationToken.None));
        Assert.Equal(world.Files[0], world.Store.Content(World.Path.Value));
    }

    /// <summary>Stages a complete, confirmed copy of <paramref name="range"/> the way version 3 wrote it.</summary>
    private static async Task StageVersion3CopyAsync(World world, ByteRange range)
    {
        var key = (await world.Store.GetAsync(world.Sessions[0], CancellationToken.None))!.Value.Value.Key;
        var bytes = world.Files[0][(int)range.First..((int)range.Last + 1)];
        var sha = SHA256.HashData(bytes);
        var confirmBy = BlockId.Stored(world.Clock.GetUtcNow().AddHours(1));

        string V3(BlockKind kind, long offset)
        {
            var raw = Convert.FromBase64String(new BlockId(kind, key, range.First, range.Last, offset, 99, default, confirmBy).Encode());
            raw[0] = BlockId.Sha256Version;
            if (kind != BlockKind.Data)
            {
                sha.AsSpan(0, ChunkDigest.Length).CopyTo(raw.AsSpan(33));
            }

            return Convert.ToBase64String(raw);
        }

        for (var offset = range.First; offset <= range.Last; offset += World.BlockSize)
        {
            var block = bytes[(int)(offset - range.First)..(int)(offset - range.First + World.BlockSize)];
            var kind = offset + World.BlockSize > range.Last ? BlockKind.Final : BlockKind.Data;
            Assert.True(await world.Store.StageAsync(World.Path, V3(kind, offset), block, MD5.HashData(block), CancellationToken.None));
        }

        Assert.True(await world.Store.StageAsync(World.Path, V3(BlockKind.Confirm, range.First), new byte[] { 0 }, MD5.HashData(new byte[] { 0 }), CancellationToken.None));
    }
}
