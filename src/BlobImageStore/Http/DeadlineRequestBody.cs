namespace BlobImageStore.Http;

/// <summary>
/// The request body as operations read it, so that the operation's deadline (the <c>timeout</c> parameter) can stop a
/// read without breaking the server's connection. Kestrel's request stream, when a read is cancelled through its token,
/// stays "mid-read": after the answer it cannot drain the rest of the body and logs a failure. Here the server's read is
/// never cancelled by the deadline; the operation stops waiting for it instead, and <see cref="SettleAsync"/> lets that
/// abandoned read finish (the client sends more, ends, or is cut off by the server's minimum data rate) after the
/// answer is sent, so the connection ends the ordinary way.
/// </summary>
internal sealed class DeadlineRequestBody(Stream inner, CancellationToken aborted) : Stream
{
    private Task<int>? _abandoned;

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
        var pending = inner.ReadAsync(buffer, aborted);
        if (pending.IsCompleted || !cancellationToken.CanBeCanceled)
        {
            return Count(await pending);
        }

        var read = pending.AsTask();
        try
        {
            return Count(await read.WaitAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !read.IsCompleted)
        {
            _abandoned = read;
            throw;
        }
    }

    private int Count(int read)
    {
        BytesRead += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Waits (at most <paramref name="limit"/>) for a read the deadline abandoned; its bytes are discarded.</summary>
    public async Task SettleAsync(TimeSpan limit)
    {
        if (_abandoned is { IsCompleted: false } read)
        {
            try
            {
                await read.WaitAsync(limit);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException or Microsoft.AspNetCore.Http.BadHttpRequestException)
            {
                // The client was too slow or went away: the server ends the connection itself.
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
