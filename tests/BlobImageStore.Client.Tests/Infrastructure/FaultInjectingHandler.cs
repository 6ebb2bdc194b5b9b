using System.Net;

namespace BlobImageStore.Client.Tests.Infrastructure;

/// <summary>What a fault did to one UploadChunk attempt.</summary>
public sealed record Fault(string Kind, long ChunkLength, long CutAfter);

/// <summary>
/// Drops connections under UploadChunk requests at seeded random points: either the body is cut off after a random
/// number of bytes (the connection dies mid-request, the server gets a truncated chunk) or the whole request goes
/// through and the answer is lost (the server has the chunk, the client does not know). Every fault is recorded with
/// the length of the chunk it hit, so a test can bound what the server may have received.
/// </summary>
public sealed class FaultInjectingHandler(int seed, double midBodyRate, double lostAnswerRate, int maxFaults) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly Random _random = new(seed);
    private readonly List<Fault> _faults = [];
    private int _chunks;

    public IReadOnlyList<Fault> Faults
    {
        get
        {
            lock (_faults)
            {
                return _faults.ToList();
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Put || request.RequestUri?.AbsolutePath.EndsWith("/$/UploadChunk", StringComparison.Ordinal) != true
            || request.Content is not { } content)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var length = content.Headers.ContentLength ?? 0;
        string kind;
        long cut;
        lock (_faults)
        {
            // The 2nd and 5th chunk attempts always fail (one of each kind), so no seed makes the test fault-free.
            var n = ++_chunks;
            var roll = _random.NextDouble();
            kind = _faults.Count >= maxFaults ? "none"
                : n == 2 || (n != 5 && roll < midBodyRate) ? "mid-body"
                : n == 5 || roll < midBodyRate + lostAnswerRate ? "lost-answer"
                : "none";
            cut = kind == "mid-body" ? _random.NextInt64(0, Math.Max(1, length)) : length;
            if (kind != "none")
            {
                _faults.Add(new Fault(kind, length, cut));
            }
        }

        if (kind == "mid-body")
        {
            request.Content = new CutOffContent(content, cut);
            return await base.SendAsync(request, cancellationToken);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (kind == "lost-answer")
        {
            response.Dispose();
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "fault injected: the connection dropped before the answer arrived");
        }

        return response;
    }

    /// <summary>The original body, failing after <c>cut</c> bytes as a dropped connection would.</summary>
    private sealed class CutOffContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly long _cut;

        public CutOffContent(HttpContent inner, long cut)
        {
            _inner = inner;
            _cut = cut;
            foreach (var (name, values) in inner.Headers)
            {
                Headers.TryAddWithoutValidation(name, values);
            }
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var source = await _inner.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            long sent = 0;
            while (sent < _cut)
            {
                var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, _cut - sent)));
                if (n == 0)
                {
                    break;
                }

                await stream.WriteAsync(buffer.AsMemory(0, n));
                sent += n;
            }

            await stream.FlushAsync();
            throw new IOException($"fault injected: the connection dropped after {sent} bytes of the body");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.Headers.ContentLength ?? 0;
            return true;
        }
    }
}
