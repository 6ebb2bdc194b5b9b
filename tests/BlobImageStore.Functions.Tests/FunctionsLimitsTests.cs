using BlobImageStore.Functions.Tests.Infrastructure;

namespace BlobImageStore.Functions.Tests;

/// <summary>
/// The Functions app applies the self-host's limits (<c>ImageStore:Limits</c>, the same limiter) in-process: a caller over
/// its concurrent uploads, and requests over the app's limit, get 503 FABRIC_E_SERVICE_TOO_BUSY with <c>Retry-After</c>,
/// as <c>LimitsTests</c> checks on the self-host; reading and the unauthenticated paths go on. A held upload is one whose
/// body is being read and holds back its last bytes until released, so the test waits for that event, not for a time.
/// </summary>
[Collection(HostsCollection.Name)]
public sealed class FunctionsLimitsTests(HostsFixture hosts)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    private InProcessFunctions App(params (string Key, string Value)[] limits)
    {
        var settings = new Dictionary<string, string>(HostsFixture.FunctionsSettings);
        foreach (var (key, value) in limits)
        {
            settings["Limits:" + key] = value;
        }

        return InProcessFunctions.Create(hosts.Azurite.ConnectionString, settings);
    }

    [Fact]
    public async Task A_caller_over_its_concurrent_uploads_gets_503_with_retry_after_and_other_requests_go_on()
    {
        await using var app = App(("MaxConcurrentUploadsPerCaller", "1"), ("UploadQueueLimitPerCaller", "0"), ("RetryAfterSeconds", "7"));
        var folder = $"fn-limits-{Guid.NewGuid():N}";
        var held = new HeldBody(100);
        var first = app.SendAsync(HttpMethod.Put, $"/ImageStore/{folder}/held.bin?api-version=6.0", held, held.Length, []);
        await held.Reading.WaitAsync(Deadline);

        var second = await app.SendAsync(HttpMethod.Put, $"/ImageStore/{folder}/second.txt?api-version=6.0", "hello"u8.ToArray(), []);
        Assert.Equal(503, second.Status);
        Assert.Equal("FABRIC_E_SERVICE_TOO_BUSY", second.Reason);
        Assert.Contains("MaxConcurrentUploadsPerCaller", second.Body);
        Assert.Equal("7", second.RetryAfter);
        Assert.InRange((await app.SendAsync(HttpMethod.Get, $"/ImageStore?api-version=6.0")).Status, 200, 204); // reading is not an upload

        held.Release();
        Assert.Equal(200, (await first.WaitAsync(Deadline)).Status);
        Assert.Equal(200, (await app.SendAsync(HttpMethod.Put, $"/ImageStore/{folder}/after.txt?api-version=6.0", "hello"u8.ToArray(), [])).Status);
    }

    [Fact]
    public async Task Requests_over_the_app_limit_and_its_queue_get_503_and_unauthenticated_paths_are_not_limited()
    {
        await using var app = App(("MaxConcurrentRequests", "1"), ("RequestQueueLimit", "0"));
        var held = new HeldBody(100);
        var first = app.SendAsync(HttpMethod.Put, $"/ImageStore/fn-limits-{Guid.NewGuid():N}/busy.bin?api-version=6.0", held, held.Length, []);
        await held.Reading.WaitAsync(Deadline);

        var answer = await app.SendAsync(HttpMethod.Get, "/ImageStore?api-version=6.0");
        Assert.Equal(503, answer.Status);
        Assert.Equal("FABRIC_E_SERVICE_TOO_BUSY", answer.Reason);
        Assert.Contains("MaxConcurrentRequests", answer.Body);
        Assert.Equal("1", answer.RetryAfter);
        Assert.Equal(200, (await app.SendAsync(HttpMethod.Get, "/$/GetAadMetadata?api-version=1.0")).Status);

        held.Release();
        Assert.Equal(200, (await first.WaitAsync(Deadline)).Status);
        Assert.InRange((await app.SendAsync(HttpMethod.Get, "/ImageStore?api-version=6.0")).Status, 200, 204);
    }

    /// <summary>A request body of <see cref="Length"/> zero bytes that gives its first byte, then waits for <see cref="Release"/>.</summary>
    private sealed class HeldBody(long length) : Stream
    {
        private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _position;

        /// <summary>Completes when the server has started reading the body (the request holds its permits).</summary>
        public Task Reading => _reading.Task;

        public void Release() => _released.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= length || buffer.Length == 0)
            {
                return 0;
            }

            if (_position > 0)
            {
                await _released.Task.WaitAsync(cancellationToken);
            }

            var count = _position == 0 ? 1 : (int)Math.Min(buffer.Length, length - _position);
            buffer.Span[..count].Clear();
            _position += count;
            _reading.TrySetResult();
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
