using System.Text.Json;
using BlobImageStore.BrowserTests.Infrastructure;
using BlobImageStore.Client;
using BlobImageStore.Client.Uploads;
using BlobImageStore.Sessions;

namespace BlobImageStore.BrowserTests;

/// <summary>
/// The page cuts files as the CLI does: its chunk size and its chunk plan (uploads.js, run in Chromium) equal
/// <see cref="ChunkSizing.Auto"/> and <see cref="ChunkPlanner.Plan"/> of the client library for the same inputs, over
/// edge sizes and seeded random ones (files up to 2^41 bytes, any set of missing ranges, several chunk sizes).
/// </summary>
[Collection(ExplorerCollection.Name)]
public sealed class ChunkRuleParityTests(ExplorerFixture fixture)
{
    private sealed record Case(long Size, long ChunkSize, long[][] Missing);

    [Fact]
    public async Task The_pages_chunk_sizes_and_plans_equal_the_clients()
    {
        var random = new Random(20261203);
        long[] edges = [0, 1, 2, 24_999, 25_000, 25_001, (4 << 20) - 1, 4 << 20, (4 << 20) + 1, 50L << 20, 4_000L << 20, 10L << 30, 64L << 30, 100L << 30, 1L << 40];
        var sizes = edges.Concat(Enumerable.Range(0, 300).Select(_ => (long)(Math.Pow(2, random.NextDouble() * 41)))).ToList();
        var cases = new List<Case>();
        foreach (var size in sizes)
        {
            var chunk = random.Next(3) switch { 0 => ChunkSizing.Auto(size), 1 => Math.Max(1, ChunkSizing.MinChunkSize(size)), _ => Math.Max(1, size / random.Next(1, 40)) };
            cases.Add(new Case(size, chunk, RandomMissing(random, size)));
        }

        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Explorer/index.html");
        var json = await page.EvaluateAsync<string>(@"async cases => {
            const m = await import('/Explorer/uploads.js');
            return JSON.stringify(cases.map(c => ({
                auto: m.autoChunkSize(c.Size),
                plan: m.planChunks(c.Missing.map(r => ({ first: r[0], last: r[1] })), c.Size, c.ChunkSize)?.map(r => [r.first, r.last]) ?? null,
            })));
        }", cases);
        var answers = JsonSerializer.Deserialize<JsonElement[]>(json)!;

        Assert.Equal(cases.Count, answers.Length);
        Assert.True(answers.Count(a => a.GetProperty("plan").ValueKind == JsonValueKind.Array && a.GetProperty("plan").GetArrayLength() > 1) > 100,
            "most cases must plan several chunks for the comparison to mean anything");
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            Assert.Equal(ChunkSizing.Auto(c.Size), answers[i].GetProperty("auto").GetInt64());
            var expected = ChunkPlanner.Plan(c.Missing.Select(r => new ByteRange(r[0], r[1])).ToList(), c.Size, c.ChunkSize);
            var plan = answers[i].GetProperty("plan");
            if (expected is null)
            {
                Assert.Equal(JsonValueKind.Null, plan.ValueKind);
                continue;
            }

            var actual = plan.EnumerateArray().Select(r => new ByteRange(r[0].GetInt64(), r[1].GetInt64())).ToList();
            Assert.True(expected.SequenceEqual(actual), $"size {c.Size}, chunk {c.ChunkSize}: client {string.Join(",", expected)} page {string.Join(",", actual)}");
        }
    }

    /// <summary>Sorted disjoint inclusive ranges inside the file (the whole file, none, or random gaps).</summary>
    private static long[][] RandomMissing(Random random, long size)
    {
        if (size == 0)
        {
            return random.Next(2) == 0 ? [[0, 0]] : [];
        }

        if (random.Next(4) == 0)
        {
            return [[0, size - 1]];
        }

        var cuts = Enumerable.Range(0, random.Next(0, 8) * 2).Select(_ => (long)(random.NextDouble() * size)).Order().Distinct().ToList();
        var ranges = new List<long[]>();
        for (var i = 0; i + 1 < cuts.Count; i += 2)
        {
            ranges.Add([cuts[i], cuts[i + 1] - 1 >= cuts[i] ? cuts[i + 1] - 1 : cuts[i]]);
        }

        if (random.Next(2) == 0 && (ranges.Count == 0 || ranges[^1][1] < size - 1))
        {
            ranges.Add([ranges.Count == 0 ? size / 2 : Math.Min(size - 1, ranges[^1][1] + 1 + (long)(random.NextDouble() * (size - ranges[^1][1] - 1))), size - 1]);
        }

        return ranges.ToArray();
    }
}
