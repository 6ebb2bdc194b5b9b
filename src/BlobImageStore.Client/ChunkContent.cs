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
