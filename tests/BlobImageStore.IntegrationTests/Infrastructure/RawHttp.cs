using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace BlobImageStore.IntegrationTests.Infrastructure;

public enum RawFraming
{
    None,
    ContentLength,
    Chunked,
}

public sealed record RawResponse(int Status, string Reason, IReadOnlyDictionary<string, string> Headers, string Body, bool SawContinue);

/// <summary>
/// HTTP/1.1 over a plain socket, so a request goes out exactly as written: the target unnormalised (HttpClient
/// would resolve <c>..</c> and re-escape), the headers as recorded, the framing chosen, <c>Expect: 100-continue</c>
/// honoured the way clients do (wait briefly for the interim answer, then send the body).
/// </summary>
public static class RawHttp
{
    /// <summary>
    /// Sends one request. <paramref name="declaredLength"/> (ContentLength framing only) declares a Content-Length other
    /// than the body's, to see what the server answers before reading a body it would refuse.
    /// </summary>
    public static async Task<RawResponse> SendAsync(Uri server, string method, string target, IEnumerable<(string Name, string Value)> headers, ReadOnlyMemory<byte> body, RawFraming framing, long? declaredLength = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        await using var stream = client.GetStream();

        var head = new StringBuilder($"{method} {target} HTTP/1.1\r\n");
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            names.Add(name);
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append($"Host: {server.Host}:{server.Port}\r\n");
        head.Append("Connection: close\r\n");
        if (framing == RawFraming.ContentLength)
        {
            head.Append($"Content-Length: {declaredLength ?? body.Length}\r\n");
        }
        else if (framing == RawFraming.Chunked)
        {
            head.Append("Transfer-Encoding: chunked\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));

        var reader = new ResponseReader(stream);
        var sawContinue = false;
        if (names.Contains("Expect") && framing != RawFraming.None)
        {
            // A real client waits a moment for 100 Continue (or a final answer), then sends the body anyway.
            var early = await reader.TryReadHeadAsync(TimeSpan.FromSeconds(1));
            if (early is { Status: 100 })
            {
                sawContinue = true;
            }
            else if (early is not null)
            {
                return await reader.ReadBodyAsync(early.Value, sawContinue);
            }
        }

        if (framing == RawFraming.ContentLength)
        {
            await stream.WriteAsync(body);
        }
        else if (framing == RawFraming.Chunked)
        {
            if (body.Length > 0)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(body.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
                await stream.WriteAsync(body);
                await stream.WriteAsync("\r\n"u8.ToArray());
            }

            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        }

        while (true)
        {
            var status = await reader.TryReadHeadAsync(TimeSpan.FromMinutes(2)) ?? throw new IOException("no response");
            if (status.Status == 100)
            {
                sawContinue = true;
                continue;
            }

            return await reader.ReadBodyAsync(status, sawContinue);
        }
    }

    private sealed class ResponseReader(NetworkStream stream)
    {
        private readonly List<byte> _buffer = [];

        public async Task<(int Status, string Reason, Dictionary<string, string> Headers)?> TryReadHeadAsync(TimeSpan wait)
        {
            using var timeout = new CancellationTokenSource(wait);
            try
            {
                var text = await ReadUntilAsync("\r\n\r\n"u8.ToArray(), timeout.Token);
                var lines = text.Split("\r\n");
                var status = lines[0].Split(' ', 3);
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
                {
                    var colon = line.IndexOf(':');
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }

                return (int.Parse(status[1], CultureInfo.InvariantCulture), status.Length > 2 ? status[2] : "", headers);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        public async Task<RawResponse> ReadBodyAsync((int Status, string Reason, Dictionary<string, string> Headers) head, bool sawContinue)
        {
            string body;
            if (head.Status is 204 or 304)
            {
                body = "";
            }
            else if (head.Headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                var all = new StringBuilder();
                while (true)
                {
                    var size = int.Parse((await ReadUntilAsync("\r\n"u8.ToArray(), CancellationToken.None)).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (size == 0)
                    {
                        await ReadUntilAsync("\r\n"u8.ToArray(), CancellationToken.None);
                        break;
                    }

                    all.Append(Encoding.UTF8.GetString(await ReadExactlyAsync(size)));
                    await ReadExactlyAsync(2);
                }

                body = all.ToString();
            }
            else if (head.Headers.TryGetValue("Content-Length", out var length))
            {
                body = Encoding.UTF8.GetString(await ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture)));
            }
            else
            {
                body = "";
            }

            return new RawResponse(head.Status, head.Reason, head.Headers, body, sawContinue);
        }

        private async Task<string> ReadUntilAsync(byte[] marker, CancellationToken cancellationToken)
        {
            while (true)
            {
                var index = IndexOf(marker);
                if (index >= 0)
                {
                    var text = Encoding.ASCII.GetString(_buffer.GetRange(0, index).ToArray());
                    _buffer.RemoveRange(0, index + marker.Length);
                    return text;
                }

                await FillAsync(cancellationToken);
            }
        }

        private async Task<byte[]> ReadExactlyAsync(int count)
        {
            while (_buffer.Count < count)
            {
                await FillAsync(CancellationToken.None);
            }

            var bytes = _buffer.GetRange(0, count).ToArray();
            _buffer.RemoveRange(0, count);
            return bytes;
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            var chunk = new byte[8192];
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                throw new IOException("connection closed");
            }

            _buffer.AddRange(chunk.AsSpan(0, read));
        }

        private int IndexOf(byte[] marker)
        {
            for (var i = 0; i + marker.Length <= _buffer.Count; i++)
            {
                var match = true;
                for (var j = 0; j < marker.Length && match; j++)
                {
                    match = _buffer[i + j] == marker[j];
                }

                if (match)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
