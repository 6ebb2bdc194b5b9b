namespace BlobImageStore.Sessions;

/// <summary>
/// The one retry-on-conflict loop of the protocol: an attempt reads, decides and makes one conditional write; when the
/// write's condition fails (another request changed the record or claim meanwhile) it returns null and runs again from
/// a fresh read, after a short random pause (full jitter, growing to <see cref="MaxPause"/>). Some contender wins every
/// round, so the loop gives up (the caller answers <see cref="Busy"/>) only after <see cref="Budget"/> of losing, not
/// after a fixed number of attempts: many parallel chunks of one session must all get in.
/// Without a clock (<see cref="Immediate"/>, the model tests, which interleave requests themselves) it stops after
/// <see cref="MaxAttempts"/>.
/// </summary>
public sealed class ConflictRetry(TimeProvider clock)
{
    public const int MaxAttempts = 12;

    /// <summary>How long an operation keeps retrying lost conditional writes before it answers Busy.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    /// <summary>The longest pause between two attempts.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(250);

    /// <summary>No pauses (the model tests interleave requests themselves).</summary>
    public static ConflictRetry Immediate { get; } = new(null!);

    public async Task<T> RunAsync<T>(Func<int, Task<T?>> attempt, Func<T> exhausted, CancellationToken cancellationToken)
        where T : class
    {
        var started = clock?.GetTimestamp() ?? 0;
        for (var i = 0; clock is not null ? i == 0 || clock.GetElapsedTime(started) < Budget : i < MaxAttempts; i++)
        {
            if (await attempt(i) is { } done)
            {
                return done;
            }

            if (clock is not null && i > 0)
            {
                var ceiling = Math.Min(MaxPause.TotalMilliseconds, 10 * (1 << Math.Min(i, 10)));
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling), clock, cancellationToken);
            }
        }

        return exhausted();
    }
}
