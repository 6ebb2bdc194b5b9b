namespace BlobImageStore.Sessions;

/// <summary>
/// The one retry-on-conflict loop of the protocol: an attempt reads, decides and makes one conditional write; when the
/// write's condition fails (another request changed the record or claim meanwhile) it returns null and runs again from
/// a fresh read, after a short growing pause. After <see cref="MaxAttempts"/> the caller answers <see cref="Busy"/>.
/// </summary>
public sealed class ConflictRetry(TimeProvider clock)
{
    public const int MaxAttempts = 12;

    /// <summary>No pauses (the model tests interleave requests themselves).</summary>
    public static ConflictRetry Immediate { get; } = new(null!);

    public async Task<T> RunAsync<T>(Func<int, Task<T?>> attempt, Func<T> exhausted, CancellationToken cancellationToken)
        where T : class
    {
        for (var i = 0; i < MaxAttempts; i++)
        {
            if (await attempt(i) is { } done)
            {
                return done;
            }

            if (clock is not null && i > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(500, 20 * (1 << Math.Min(i, 5)) + Random.Shared.Next(20))), clock, cancellationToken);
            }
        }

        return exhausted();
    }
}
