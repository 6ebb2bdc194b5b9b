using System.Security.Cryptography;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.IntegrationTests;

/// <summary>
/// Seeded random upload schedules: random file sizes (0 B to 3 MiB) and chunk sizes, shuffled order, parallel sends,
/// exact duplicates, and GetUploadSession between batches checked against a model of what was acknowledged.
/// After the commit the blob's SHA-256 must equal the source. The seed is the test case's name.
/// More seeds locally: SCHEDULE_SEEDS=1000 dotnet test --filter RandomisedScheduleTests.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class RandomisedScheduleTests(StoreFixture store)
{
    public static IEnumerable<object[]> Seeds() =>
        Enumerable.Range(1, int.TryParse(Environment.GetEnvironmentVariable("SCHEDULE_SEEDS"), out var n) ? n : 200).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task A_random_schedule_commits_the_exact_file(int seed)
    {
        var random = new Random(seed);
        var size = random.Next(10) switch
        {
            0 => 0,
            1 or 2 => random.Next(1, 1_000),
            3 or 4 or 5 or 6 or 7 => random.Next(1_000, 600_000),
            _ => random.Next(600_000, 3 * 1024 * 1024),
        };
        var file = TestData.Bytes(size, seed);
        var path = TestData.NewPath($"seed-{seed}.bin");
        var session = Guid.NewGuid();
        var chunks = Split(size, random);
        random.Shuffle(chunks);

        var acknowledged = new List<(long First, long Last)>();
        for (var i = 0; i < chunks.Length;)
        {
            var batch = chunks.Skip(i).Take(random.Next(1, 5)).ToArray();
            i += batch.Length;
            var responses = await Task.WhenAll(batch.Select(c => Send(c)));
            foreach (var response in responses)
            {
                await Fabric.AssertOkAsync(response);
            }

            acknowledged.AddRange(batch);
            if (random.Next(3) == 0)
            {
                var again = acknowledged[random.Next(acknowledged.Count)];
                await Fabric.AssertOkAsync(await Send(again)); // an exact duplicate
            }

            if (random.Next(3) == 0 || i >= chunks.Length)
            {
                var status = await store.Api.GetSessionAsync(session);
                Assert.NotNull(status);
                Assert.Equal(Missing(acknowledged, size), status.Ranges.ToList());
            }
        }

        await Fabric.AssertOkAsync(await store.Api.CommitAsync(session));
        var blob = (await store.Files.GetBlobClient(path).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(SHA256.HashData(file), SHA256.HashData(blob));

        Task<HttpResponseMessage> Send((long First, long Last) c) => size == 0
            ? store.Api.UploadChunkAsync(path, session, 0, 0, 0, ReadOnlyMemory<byte>.Empty)
            : store.Api.UploadChunkAsync(path, session, file, c.First, c.Last);
    }

    /// <summary>Cuts the file into chunks of random sizes: some below a block, some spanning several.</summary>
    private static (long First, long Last)[] Split(int size, Random random)
    {
        if (size == 0)
        {
            return [(0, 0)];
        }

        var largest = random.Next(3) switch
        {
            0 => 5_000,
            1 => StoreFixture.BlockSize * 2,
            _ => 700_000,
        };
        largest = Math.Max(largest, size / 40); // at most about 80 chunks: keeps 200 schedules within CI's budget
        // Every chunk but the last respects the store's minimum for this file size (the 50,000-block rule).
        var min = (int)BlobImageStore.Sessions.ChunkLayout.MinChunkSize(size);
        var chunks = new List<(long, long)>();
        for (var first = 0; first < size;)
        {
            var length = Math.Min(size - first, random.Next(min, Math.Max(min, largest) + 1));
            chunks.Add((first, first + length - 1));
            first += length;
        }

        return chunks.ToArray();
    }

    private static List<(long First, long Last)> Missing(List<(long First, long Last)> received, long size)
    {
        var missing = new List<(long, long)>();
        var next = 0L;
        foreach (var (first, last) in received.Where(r => size > 0).OrderBy(r => r.First))
        {
            if (first > next)
            {
                missing.Add((next, first - 1));
            }

            next = Math.Max(next, last + 1);
        }

        if (next < size)
        {
            missing.Add((next, size - 1));
        }

        return missing;
    }
}
