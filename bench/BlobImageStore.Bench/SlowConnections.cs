using System.Globalization;
using System.Net.Sockets;
using System.Text;
using BlobImageStore.IntegrationTests.Infrastructure;

namespace BlobImageStore.Bench;

/// <summary>
/// Memory per connection: a fresh server, then N connections that each start an UploadChunk of a whole chunk and send
/// only part of its body, then stall. The server's RSS before, at its peak while they hang, and after they are closed.
/// The per-caller and concurrency limits are raised so that every request is in the handler (the worst case for
/// memory); what bounds its buffers then is <c>ImageStore:BufferBudget</c>.
/// </summary>
public static class SlowConnections
{
    private const int MiB = 1024 * 1024;

    public sealed record Result(int Connections, int ChunkMiB, int SentKiB, long Before, long Peak, long After, double SettleSeconds);

    public static async Task<Result> MeasureAsync(string storage, int connections, int chunkMiB, int sentKiB, CancellationToken cancellationToken)
    {
        await using var server = await ServerProcess.StartAsync(storage, new Dictionary<string, string>
        {
            ["ImageStore__Limits__MaxConcurrentUploadsPerCaller"] = (connections + 8).ToString(CultureInfo.InvariantCulture),
            ["ImageStore__Limits__MaxConcurrentRequests"] = (connections + 8).ToString(CultureInfo.InvariantCulture),
        });

        // One small upload first, so that "before" is a server that has served a request (its code loaded and compiled).
        using (var http = new HttpClient { BaseAddress = server.Address })
        {
            var warm = Path.GetTempFileName();
            await File.WriteAllBytesAsync(warm, new byte[MiB], cancellationToken);
            await Uploads.ViaApiAsync(http, $"bench/slow-warm-{Guid.NewGuid():N}.bin", warm, MiB, 1, cancellationToken);
            File.Delete(warm);
        }

        var before = CurrentRss(server.Pid);
        var chunk = (long)chunkMiB * MiB;
        var part = new byte[sentKiB * 1024];
        new Random(7).NextBytes(part);
        var sockets = new List<Socket>();
        try
        {
            // Each connection sends its request head and part of the body; a send that cannot complete (the server is
            // not reading: the request waits for buffer budget) is left pending, as a slow client's would be.
            var sends = new List<Task>();
            for (var i = 0; i < connections; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(server.Address.Host, server.Address.Port, cancellationToken);
                sockets.Add(socket);
                var head = Encoding.ASCII.GetBytes(
                    $"PUT /ImageStore/bench/slow/{i}.bin/$/UploadChunk?api-version=6.0&session-id={Guid.NewGuid()} HTTP/1.1\r\n" +
                    $"Host: {server.Address.Authority}\r\nContent-Range: bytes 0-{chunk - 1}/{chunk}\r\nContent-Length: {chunk}\r\n\r\n");
                await socket.SendAsync(head, cancellationToken);
                sends.Add(socket.SendAsync(part, cancellationToken).AsTask());
            }

            // Wait for the event, not a fixed time: the server has read everything the budget lets it read when its
            // RSS stops growing (sampled until two seconds pass without a new peak, at most one minute).
            var peak = await SettleAsync(() => ProcessStats.PeakRss(server.Pid), rising: true, cancellationToken);
            var inFlight = sends.Count(s => !s.IsCompleted);
            Console.WriteLine($"  {connections} slow connections holding {sentKiB} KiB of a {chunkMiB} MiB chunk each: RSS {before / (double)MiB:0} MiB before, peak {peak.Value / (double)MiB:0} MiB ({inFlight} of them still pushing their part)");

            foreach (var socket in sockets)
            {
                socket.Close(0);
            }

            sockets.Clear();
            var after = await SettleAsync(() => CurrentRss(server.Pid), rising: false, cancellationToken);
            Console.WriteLine($"  after they closed: RSS {after.Value / (double)MiB:0} MiB ({after.Seconds:0} s to settle)");
            return new Result(connections, chunkMiB, sentKiB, before, peak.Value, after.Value, after.Seconds);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>Samples until the value has not moved (by 1 MiB) in its direction for 2 s (rising) or 15 s (falling: the pool drops idle buffers after 5 s); at most 90 s.</summary>
    private static async Task<(long Value, double Seconds)> SettleAsync(Func<long> sample, bool rising, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var best = sample();
        var since = watch.Elapsed;
        while (watch.Elapsed - since < TimeSpan.FromSeconds(rising ? 2 : 15) && watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(200, cancellationToken);
            var value = sample();
            if (rising ? value > best + MiB : value < best - MiB)
            {
                best = value;
                since = watch.Elapsed;
            }
        }

        return (rising ? Math.Max(best, sample()) : Math.Min(best, sample()), watch.Elapsed.TotalSeconds);
    }

    private static long CurrentRss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
