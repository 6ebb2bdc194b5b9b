using System.Diagnostics;

namespace BlobImageStore.Client.Uploads;

/// <summary>Where an upload of one file is.</summary>
public enum UploadPhase
{
    /// <summary>Reading the local file's identity and the server's session.</summary>
    Preparing,

    /// <summary>Sending chunks.</summary>
    Uploading,

    /// <summary>Committing the session.</summary>
    Committing,

    /// <summary>Committed.</summary>
    Completed,

    /// <summary>Not sent: committed earlier by this machine and unchanged on both sides (package uploads).</summary>
    Skipped,
}

/// <summary>
/// Progress of one file. <see cref="BytesSent"/> counts body bytes written to the network in this run, re-sends
/// included; <see cref="BytesConfirmed"/> counts bytes the server has acknowledged, including those it already held
/// when the upload resumed; <see cref="BytesPerSecond"/> is the sending rate over the last few seconds.
/// </summary>
/// <param name="StorePath">The file's store path.</param>
/// <param name="TotalBytes">The file's size.</param>
/// <param name="BytesSent">Body bytes written to the network in this run.</param>
/// <param name="BytesConfirmed">Bytes the server holds.</param>
/// <param name="BytesPerSecond">Sending rate over the last few seconds.</param>
/// <param name="Phase">Where the upload is.</param>
public readonly record struct UploadProgress(
    string StorePath,
    long TotalBytes,
    long BytesSent,
    long BytesConfirmed,
    double BytesPerSecond,
    UploadPhase Phase);

/// <summary>The sending rate over a sliding window.</summary>
internal sealed class RateMeter(TimeSpan window)
{
    private readonly Queue<(long Ticks, long Bytes)> _samples = new();
    private readonly object _gate = new();

    public double Sample(long totalBytes)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            _samples.Enqueue((now, totalBytes));
            while (_samples.Count > 2 && Stopwatch.GetElapsedTime(_samples.Peek().Ticks, now) > window)
            {
                _samples.Dequeue();
            }

            var (firstTicks, firstBytes) = _samples.Peek();
            var seconds = Stopwatch.GetElapsedTime(firstTicks, now).TotalSeconds;
            return seconds <= 0.05 ? 0 : (totalBytes - firstBytes) / seconds;
        }
    }
}

/// <summary>Counts one file's bytes and reports them, at most every <c>interval</c> (phase changes always).</summary>
internal sealed class ProgressTracker(string storePath, long totalBytes, IProgress<UploadProgress>? progress, TimeSpan interval)
{
    private readonly RateMeter _rate = new(TimeSpan.FromSeconds(3));
    private long _sent;
    private long _confirmed;
    private readonly object _gate = new();
    private long _lastReport = long.MinValue;
    private int _phase;

    public long Sent => Interlocked.Read(ref _sent);

    public long Confirmed => Interlocked.Read(ref _confirmed);

    public void AddSent(long bytes)
    {
        Interlocked.Add(ref _sent, bytes);
        Report(force: false);
    }

    public void AddConfirmed(long bytes)
    {
        Interlocked.Add(ref _confirmed, bytes);
        Report(force: false);
    }

    public void SetConfirmed(long bytes)
    {
        Interlocked.Exchange(ref _confirmed, bytes);
        Report(force: true);
    }

    public void Enter(UploadPhase phase)
    {
        Interlocked.Exchange(ref _phase, (int)phase);
        Report(force: true);
    }

    private void Report(bool force)
    {
        if (progress is null)
        {
            return;
        }

        // Serialised, so the values a caller sees never go backwards.
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (!force && _lastReport != long.MinValue && Stopwatch.GetElapsedTime(_lastReport, now) < interval)
            {
                return;
            }

            _lastReport = now;
            var sent = Sent;
            progress.Report(new UploadProgress(storePath, totalBytes, sent, Confirmed, _rate.Sample(sent), (UploadPhase)Volatile.Read(ref _phase)));
        }
    }
}
