using BlobImageStore.Sessions;

namespace BlobImageStore.UnitTests;

/// <summary>
/// The retry-on-conflict loop under contention: every attempt that loses a conditional write runs again, and as long as
/// one contender wins each round, none of them may give up (answer Busy) within the retry budget.
/// </summary>
public sealed class ConflictRetryTests
{
    [Fact]
    public async Task Twenty_four_contenders_on_one_record_all_get_their_write_in()
    {
        // The bench's 1 KiB chunks, 8 in flight on one session, got 503 Busy in a CI run: 12 attempts were not enough.
        var retry = new ConflictRetry(TimeProvider.System);
        var version = 0;
        var gate = new object();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Task.Run(() => retry.RunAsync(async _ =>
        {
            int read;
            lock (gate)
            {
                read = version;
            }

            await Task.Delay(40); // A storage round trip under load between the read and the conditional write (If-Match).
            lock (gate)
            {
                if (version != read)
                {
                    return null;
                }

                version++;
                return "written";
            }
        }, () => "busy", CancellationToken.None))));

        Assert.All(outcomes, o => Assert.Equal("written", o));
        Assert.Equal(24, version);
    }

    [Fact]
    public async Task Without_a_clock_it_gives_up_after_MaxAttempts()
    {
        var attempts = 0;
        var outcome = await ConflictRetry.Immediate.RunAsync<string>(_ =>
        {
            attempts++;
            return Task.FromResult<string?>(null);
        }, () => "busy", CancellationToken.None);

        Assert.Equal("busy", outcome);
        Assert.Equal(ConflictRetry.MaxAttempts, attempts);
    }
}
