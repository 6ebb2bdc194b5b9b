using System.Net.Sockets;
using System.Text;

namespace BlobImageStore.SecurityTests.Infrastructure;

/// <summary>
/// A request that is started and then held open over a plain socket: the head and a few body bytes are sent, the rest
/// never comes (a slow or hostile client). Disposing closes the connection.
/// </summary>
public sealed class HeldRequest : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private HeldRequest(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<HeldRequest> StartAsync(Uri server, string method, string target, long declaredLength = 1_000_000, int sent = 16)
    {
        var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var held = new HeldRequest(client);
        var head = $"{method} {target} HTTP/1.1\r\nHost: {server.Host}:{server.Port}\r\nContent-Length: {declaredLength}\r\n\r\n";
        await held._stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await held._stream.WriteAsync(new byte[sent]);
        await held._stream.FlushAsync();
        return held;
    }

    /// <summary>
    /// A request held open that the server has certainly admitted: it is sent with <c>Expect: 100-continue</c>, and only
    /// when the server's <c>100 Continue</c> comes (Kestrel sends it when the operation starts reading the body, past the
    /// rate limiter) are a few body bytes sent and the rest held back. Null when the server answered instead (refused).
    /// </summary>
    public static async Task<HeldRequest?> StartAdmittedAsync(Uri server, string method, string target, TimeSpan limit)
    {
        var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var held = new HeldRequest(client);
        var head = $"{method} {target} HTTP/1.1\r\nHost: {server.Host}:{server.Port}\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n";
        await held._stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await held._stream.FlushAsync();
        if (!(await held.ReadHeadAsync(limit)).StartsWith("HTTP/1.1 100", StringComparison.Ordinal))
        {
            await held.DisposeAsync();
            return null;
        }

        await held._stream.WriteAsync(new byte[16]);
        await held._stream.FlushAsync();
        return held;
    }

    /// <summary>One response head (up to its blank line), or what came before the server closed or <paramref name="limit"/> passed.</summary>
    private async Task<string> ReadHeadAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var text = new StringBuilder();
        var one = new byte[1];
        try
        {
            while (!text.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await _stream.ReadAsync(one, timeout.Token) == 1)
            {
                text.Append((char)one[0]);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // Timed out, or the server reset the connection: return what came.
        }

        return text.ToString();
    }

    /// <summary>A connection that sends only part of a request head.</summary>
    public static async Task<HeldRequest> OpenIdleAsync(Uri server)
    {
        var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var held = new HeldRequest(client);
        await held._stream.WriteAsync(Encoding.ASCII.GetBytes("GET /ImageStore?api-version=6.0 HTTP/1.1\r\n"));
        return held;
    }

    /// <summary>
    /// A kept-alive connection the server has certainly accepted and counts: one request (<c>/$/GetAadMetadata</c>) was
    /// answered on it, and the connection stays open, idle. Null when the server closed it without an answer (it was over
    /// the connection limit).
    /// </summary>
    public static async Task<HeldRequest?> OpenAnsweredAsync(Uri server, TimeSpan limit)
    {
        var held = await StartAsync(server, "GET", "/$/GetAadMetadata?api-version=1.0", declaredLength: 0, sent: 0);
        if ((await held.ReadAsync(limit)).StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
        {
            return held;
        }

        await held.DisposeAsync();
        return null;
    }

    /// <summary>Whatever the server sends until it closes the connection or <paramref name="limit"/> passes.</summary>
    public async Task<string> ReadAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                text.Append(Encoding.ASCII.GetString(buffer, 0, read));
                if (text.ToString() is var so_far && so_far.Contains("\r\n\r\n", StringComparison.Ordinal) && so_far.Contains("}}", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // Timed out, or the server reset the connection: return what came.
        }

        return text.ToString();
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
