using System.Diagnostics;

namespace BlobImageStore.Client;

/// <summary>Paces the bytes sent (bandwidth limit).</summary>
public interface IByteThrottle
{
    /// <summary>Waits until <paramref name="bytes"/> more may be sent.</summary>
    /// <param name="bytes">Bytes about to be sent.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>Completes when they may go.</returns>
    ValueTask WaitAsync(int bytes, CancellationToken cancellationToken = default);
}

/// <summary>
/// A plain rate limit: after n bytes in total, sending waits until n / rate seconds have passed since the first byte.
/// One instance is shared by all chunks of an upload, so the limit holds across parallel requests.
/// </summary>
public sealed class RateThrottle : IByteThrottle
{
    private readonly long _bytesPerSecond;
    private readonly Stopwatch _clock = new();
    private long _granted;

    /// <summary>A limit of <paramref name="bytesPerSecond"/>.</summary>
    /// <param name="bytesPerSecond">At least 1.</param>
    public RateThrottle(long bytesPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerSecond, 1);
        _bytesPerSecond = bytesPerSecond;
    }

    /// <inheritdoc/>
    public async ValueTask WaitAsync(int bytes, CancellationToken cancellationToken = default)
    {
        long due;
        lock (_clock)
        {
            if (!_clock.IsRunning)
            {
                _clock.Start();
            }

            _granted += bytes;
            due = _granted * 1000 / _bytesPerSecond;
        }

        var wait = due - _clock.ElapsedMilliseconds;
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken);
        }
    }
}
