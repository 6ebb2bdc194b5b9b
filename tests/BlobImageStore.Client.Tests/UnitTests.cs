using System.Net;
using System.Text;
using BlobImageStore.Cli;
using BlobImageStore.Client.Uploads;
using BlobImageStore.Sessions;

namespace BlobImageStore.Client.Tests;

public sealed class ChunkSizingTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(0, 4 * MiB)]
    [InlineData(64 * MiB, 4 * MiB)]
    [InlineData(10L * 1024 * MiB, 11 * MiB)]
    [InlineData(64L * 1024 * MiB, 64 * MiB)]
    [InlineData(2000L * 1024 * MiB, 82 * MiB)] // 2000 GiB / 25,000 is 81.9 MiB: the server minimum wins over the 64 MiB cap
    public void The_automatic_chunk_size_follows_the_file_size(long fileSize, long expected) =>
        Assert.Equal(expected, ChunkSizing.Auto(fileSize));

    [Fact]
    public void Every_automatic_size_keeps_the_file_within_25000_chunks_and_the_server_maximum()
    {
        foreach (var size in new[] { 1L, 99_999, 4 * MiB + 1, 97L * 1024 * MiB, 2000L * 1024 * MiB, 2400L * 1000 * 1000 * 1000 })
        {
            var chunk = ChunkSizing.Auto(size);
            Assert.True(chunk <= ChunkSizing.DefaultMaxChunkSize, $"{size}: {chunk}");
            Assert.True((size + chunk - 1) / chunk <= ChunkSizing.MaxChunks, $"{size}: {chunk}");
        }
    }

    [Fact]
    public void A_requested_size_is_moved_into_the_server_limits_with_a_reason()
    {
        Assert.Equal(new ChunkSizeChoice(8 * MiB, null), ChunkSizing.Choose(64 * MiB, 8 * MiB));
        var tooBig = ChunkSizing.Choose(64 * MiB, 200_000_000);
        Assert.Equal(100_000_000, tooBig.ChunkSize);
        Assert.NotNull(tooBig.Adjustment);
        var tooSmall = ChunkSizing.Choose(1_000_000_000, 1000);
        Assert.Equal(40_000, tooSmall.ChunkSize);
        Assert.NotNull(tooSmall.Adjustment);
        Assert.Equal(new ChunkSizeChoice(1000, null), ChunkSizing.Choose(500, 1000)); // one chunk, which is also the last
    }
}

public sealed class ChunkPlannerTests
{
    [Fact]
    public void A_new_file_is_cut_at_multiples_of_the_chunk_size_with_a_short_last_chunk() =>
        Assert.Equal([new ByteRange(0, 3), new ByteRange(4, 7), new ByteRange(8, 9)], ChunkPlanner.Plan([new ByteRange(0, 9)], 10, 4));

    [Fact]
    public void Resumed_ranges_are_cut_on_the_same_boundaries() =>
        Assert.Equal([new ByteRange(4, 7), new ByteRange(12, 15), new ByteRange(16, 17)],
            ChunkPlanner.Plan([new ByteRange(12, 17), new ByteRange(4, 7)], 18, 4));

    [Fact]
    public void A_tail_below_the_server_minimum_inside_the_file_joins_the_chunk_before_it()
    {
        // 100,000 bytes: the minimum chunk is 4 bytes. A missing range of 10 bytes ending before the file's end
        // cut in 8s would leave 2 bytes: they go with the chunk before.
        Assert.Equal([new ByteRange(100, 109)], ChunkPlanner.Plan([new ByteRange(100, 109)], 100_000, 8));
    }

    [Fact]
    public void A_gap_smaller_than_the_minimum_that_does_not_end_the_file_cannot_be_planned()
    {
        Assert.Null(ChunkPlanner.Plan([new ByteRange(100, 101)], 100_000, 8));
        Assert.Equal([new ByteRange(99_998, 99_999)], ChunkPlanner.Plan([new ByteRange(99_998, 99_999)], 100_000, 8));
    }

    [Fact]
    public void An_empty_file_is_the_single_empty_chunk() =>
        Assert.Equal([new ByteRange(0, 0)], ChunkPlanner.Plan([new ByteRange(0, 0)], 0, 4));
}

public sealed class SizesTests
{
    [Theory]
    [InlineData("4194304", 4194304)]
    [InlineData("4MiB", 4194304)]
    [InlineData("64mib", 67108864)]
    [InlineData("1.5 GiB", 1610612736)]
    [InlineData("100MB", 100000000)]
    [InlineData("512KiB", 524288)]
    [InlineData("10B", 10)]
    public void Sizes_parse_with_and_without_units(string text, long expected)
    {
        Assert.True(Sizes.TryParse(text, out var bytes, out var error), error);
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("4M")]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("MiB")]
    public void Other_text_is_refused_with_the_accepted_forms(string text)
    {
        Assert.False(Sizes.TryParse(text, out _, out var error));
        Assert.Contains("MiB", error ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_size_is_refused()
    {
        Assert.False(Sizes.TryParse("0", out _, out var error));
        Assert.Contains("at least 1 byte", error ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    public void Durations_parse(string text, int seconds)
    {
        Assert.True(Sizes.TryParseDuration(text, out var d, out _));
        Assert.Equal(TimeSpan.FromSeconds(seconds), d);
    }

    [Fact]
    public void Sizes_format_in_binary_units() => Assert.Equal("64.0 MiB", Sizes.Format(64 * 1024 * 1024));
}

public sealed class JournalTests
{
    [Fact]
    public async Task An_entry_round_trips_per_endpoint_and_path_and_tells_a_changed_file()
    {
        var dir = Path.Combine(Path.GetTempPath(), "journal-" + Guid.NewGuid().ToString("N"));
        var file = Path.Combine(dir, "data.bin");
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(file, Encoding.ASCII.GetBytes(new string('a', 5000)));
        var identity = await LocalFileIdentity.CaptureAsync(file, default);
        var journal = new FileResumeJournal(Path.Combine(dir, "j"));
        var endpoint = new Uri("http://127.0.0.1:19080");
        var entry = new ResumeEntry(endpoint, "app/data.bin", Guid.NewGuid(), file, identity.Size, identity.LastWriteUtc, identity.Fingerprint, 4096, DateTimeOffset.UtcNow);

        journal.Save(entry);

        Assert.Equal(entry, journal.Load(new Uri("http://127.0.0.1:19080/"), "app/data.bin"));
        Assert.Null(journal.Load(new Uri("http://127.0.0.1:19081"), "app/data.bin"));
        Assert.Null(journal.Load(endpoint, "app/other.bin"));
        Assert.True(entry.Matches(identity));

        // Same size, one byte changed, write time put back: the sampled fingerprint still tells.
        var lastWrite = File.GetLastWriteTimeUtc(file);
        await using (var stream = File.OpenWrite(file))
        {
            stream.WriteByte((byte)'b');
        }

        File.SetLastWriteTimeUtc(file, lastWrite);
        Assert.False(entry.Matches(await LocalFileIdentity.CaptureAsync(file, default)));

        Assert.Equal(1, journal.ForgetSession(entry.SessionId));
        Assert.Null(journal.Load(endpoint, "app/data.bin"));
        Directory.Delete(dir, recursive: true);
    }
}

public sealed class ErrorMappingTests
{
    [Fact]
    public async Task A_fabric_error_body_gives_code_and_message()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new StringContent("""{"Error":{"Code":"FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE","Message":"send 5-9"}}"""),
        };
        var e = await ImageStoreClient.ToExceptionAsync(response, default);
        Assert.Equal((HttpStatusCode.BadRequest, "FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE", "send 5-9", false), (e.StatusCode, e.Code, e.Message, e.IsTransient));
    }

    [Fact]
    public async Task A_404_without_a_body_is_does_not_exist_and_other_bodies_keep_the_status()
    {
        using var notFound = new HttpResponseMessage(HttpStatusCode.NotFound);
        Assert.Equal(ImageStoreException.DoesNotExist, (await ImageStoreClient.ToExceptionAsync(notFound, default)).Code);

        using var html = new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>") };
        var e = await ImageStoreClient.ToExceptionAsync(html, default);
        Assert.Equal("HTTP_502", e.Code);
        Assert.True(e.IsTransient);
        Assert.Contains("bad gateway", e.Message);
    }
}
