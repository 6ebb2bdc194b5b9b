using System.Buffers;
using System.IO.Pipelines;

namespace BlobImageStore.Http;

/// <summary>
/// The request body as operations read it: a stream over the server's own <see cref="PipeReader"/>, so that the
/// operation's deadline (the <c>timeout</c> parameter) can stop a read without breaking the connection. Kestrel's
/// request stream, when a read is cancelled through its token, stays "mid-read": after the answer the server cannot
/// drain the rest of the body and logs a failure. Here a deadline calls <see cref="PipeReader.CancelPendingRead"/>
/// instead, which ends the pending read with a result that is handed back (<see cref="PipeReader.AdvanceTo(SequencePosition)"/>)
/// before the cancellation is thrown, so the server drains or closes the connection the ordinary way.
/// </summary>
internal sealed class DeadlineRequestBody(PipeReader reader) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Bytes of the body read so far (for the request log line).</summary>
    public long BytesRead { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static r => ((PipeReader)r!).CancelPendingRead(), reader)
            : default;
        while (true)
        {
            var result = await reader.ReadAsync(CancellationToken.None);
            var data = result.Buffer;
            if (result.IsCanceled && data.IsEmpty)
            {
                reader.AdvanceTo(data.Start);
                cancellationToken.ThrowIfCancellationRequested();
                continue; // a stale cancellation from an earlier deadline's registration
            }

            if (data.IsEmpty && result.IsCompleted)
            {
                reader.AdvanceTo(data.End);
                return 0;
            }

            var count = (int)Math.Min(buffer.Length, data.Length);
            data.Slice(0, count).CopyTo(buffer.Span);
            reader.AdvanceTo(data.GetPosition(count));
            BytesRead += count;
            return count;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
