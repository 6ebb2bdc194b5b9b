using System.Net;

namespace BlobImageStore.Client;

/// <summary>A body from memory that reports the bytes written and honours a throttle, written in 64 KiB pieces.</summary>
internal sealed class ChunkContent(ReadOnlyMemory<byte> data, Action<long>? written, IByteThrottle? throttle) : HttpContent
{
    private const int Piece = 64 * 1024;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < data.Length; offset += Piece)
        {
            var length = Math.Min(Piece, data.Length - offset);
            if (throttle is not null)
            {
                await throttle.WaitAsync(length, cancellationToken);
            }

            await stream.WriteAsync(data.Slice(offset, length), cancellationToken);
            written?.Invoke(length);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = data.Length;
        return true;
    }
}

/// <summary>A body read from a caller's stream as it is sent, in 64 KiB pieces (never held whole); the stream is not
/// disposed. The length is declared when known (a seekable stream), else the body goes chunked.</summary>
internal sealed class StreamBody(Stream source, long? declared) : HttpContent
{
    private const int Piece = 64 * 1024;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Piece);
        try
        {
            long sent = 0;
            while (declared is not { } total || sent < total)
            {
                var want = declared is { } t ? (int)Math.Min(Piece, t - sent) : Piece;
                var n = await source.ReadAsync(buffer.AsMemory(0, want), cancellationToken);
                if (n == 0)
                {
                    if (declared is { } expected && sent < expected)
                    {
                        throw new IOException($"The stream ended after {sent} of its {expected} bytes.");
                    }

                    break;
                }

                await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                sent += n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = declared ?? 0;
        return declared is not null;
    }
}
