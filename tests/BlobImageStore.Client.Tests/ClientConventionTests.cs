using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using BlobImageStore.Client.Tests.Infrastructure;
using BlobImageStore.Client.Uploads;
using BlobImageStore.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;

namespace BlobImageStore.Client.Tests;

/// <summary>The client follows the Azure SDK's conventions: paged listings, Stream overloads, optional cancellation
/// tokens last, Retry-After, a short budget for refused connections.</summary>
[Collection(ClientStoreCollection.Name)]
public sealed class ClientConventionTests(ClientStoreFixture store, ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Listings_are_async_pages_that_follow_the_continuation_token()
    {
        var root = "pages-" + Guid.NewGuid().ToString("N");
        var client = store.Client();
        await Parallel.ForEachAsync(Enumerable.Range(0, 60), async (i, ct) => await client.UploadFileAsync($"{root}/f{i:D3}.bin", new byte[] { (byte)i }, ct));

        var pages = new List<ImageStoreContent>();
        await foreach (var page in client.ListPagesAsync(root))
        {
            pages.Add(page);
        }

        // The fixture's server pages at 25 entries.
        Assert.Equal(3, pages.Count);
        Assert.All(pages.SkipLast(1), p => Assert.NotNull(p.ContinuationToken));
        Assert.Null(pages[^1].ContinuationToken);
        var names = pages.SelectMany(p => p.StoreFiles).Select(f => StorePaths.Normalize(f.StoreRelativePath)).ToList();
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"{root}/f{i:D3}.bin"), names.Order(StringComparer.Ordinal));

        // Continuing from a page's token gives the rest, as Azure SDK's AsPages(continuationToken) does.
        var rest = new List<ImageStoreContent>();
        await foreach (var page in client.ListPagesAsync(root, pages[0].ContinuationToken))
        {
            rest.Add(page);
        }

        Assert.Equal(names.Skip(pages[0].StoreFiles.Count), rest.SelectMany(p => p.StoreFiles).Select(f => StorePaths.Normalize(f.StoreRelativePath)));
        Assert.Equal(60, (await client.ListAsync(root)).StoreFiles.Count);
    }

    [Fact]
    public async Task Uploads_take_a_stream_seekable_ones_are_sent_again_on_a_retry_and_resumable_ones_resume()
    {
        var client = store.Client(new FailFirstPutHandler(1));
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var seekable = ClientStoreFixture.NewStorePath("seekable.bin");
        await using (var stream = new MemoryStream(bytes))
        {
            await client.UploadFileAsync(seekable, stream); // the first attempt gets a 503, the retry re-reads the stream
        }

        Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)), await store.BlobSha256Async(seekable));

        var piped = ClientStoreFixture.NewStorePath("piped.bin");
        await using (var stream = new NonSeekableStream(new MemoryStream(bytes)))
        {
            await store.Client().UploadFileAsync(piped, stream);
        }

        Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)), await store.BlobSha256Async(piped));

        // A resumable upload from a stream, cancelled half-way and run again: only the missing bytes go.
        var big = RandomNumberGenerator.GetBytes((int)(8 * MiB));
        var path = ClientStoreFixture.NewStorePath("stream.bin");
        var journal = TestSessions.TempDir();
        var options = new FileUploadOptions { ChunkSize = MiB, Parallelism = 1, ProgressInterval = TimeSpan.Zero };
        using (var cts = new CancellationTokenSource())
        {
            var cancelling = new SyncProgress<UploadProgress>(p =>
            {
                if (p.BytesConfirmed >= 3 * MiB)
                {
                    cts.Cancel();
                }
            });
            await using var stream = new MemoryStream(big);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TestSessions.Uploader(store.Client(), journal).UploadAsync(stream, path, options, cancelling, cts.Token));
        }

        var open = await TestSessions.StableAsync(store.ServerApi, path);
        Assert.NotNull(open);
        var before = store.Proxy.BodyBytes(path);
        await using (var stream = new MemoryStream(big))
        {
            var resumed = await TestSessions.Uploader(store.Client(), journal).UploadAsync(stream, path, options);
            Assert.True(resumed.Resumed);
        }

        Assert.Equal(TestSessions.Missing(open), store.Proxy.BodyBytes(path) - before);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(big)), await store.BlobSha256Async(path));
    }

    [Fact]
    public async Task Retry_after_sets_the_delay_before_the_next_attempt()
    {
        var handler = new RetryAfterHandler(TimeSpan.FromSeconds(2));
        var client = store.Client(handler); // base delay 50 ms: only Retry-After explains a 2 s wait

        await client.GetInfoAsync();

        Assert.Equal(2, handler.Attempts.Count);
        var waited = handler.Attempts[1] - handler.Attempts[0];
        output.WriteLine($"Retry-After: 2 s; the client waited {waited.TotalMilliseconds:0} ms");
        Assert.True(waited >= TimeSpan.FromSeconds(1.9), $"waited {waited}");
    }

    [Fact]
    public async Task A_refused_connection_is_retried_only_within_the_short_budget()
    {
        var port = Server.Hosting.AzuriteProcess.FreePort(); // nothing listens there
        var counter = new CountingHandler();
        var options = new ImageStoreClientOptions { Endpoint = new Uri($"http://127.0.0.1:{port}") }; // default retries: 6, of which 2 for refused connections
        var client = new ImageStoreClient(new HttpClient(counter) { Timeout = Timeout.InfiniteTimeSpan }, Options.Create(options));

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetInfoAsync());
        clock.Stop();

        output.WriteLine($"refused: {counter.Requests} attempts in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(1 + options.Retry.MaxConnectRetries, counter.Requests);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{clock.Elapsed}"); // was 17 s through 6 retries; loose bound for a busy machine
    }

    [Fact]
    public void Every_public_async_method_takes_an_optional_cancellation_token_last()
    {
        var offenders = typeof(ImageStoreClient).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetParameters().Any(p => p.ParameterType == typeof(CancellationToken)))
            .Where(m => m.GetParameters()[^1] is var last && (last.ParameterType != typeof(CancellationToken) || !last.HasDefaultValue || last.Name != "cancellationToken"))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();
        Assert.Empty(offenders);
        Assert.Contains(typeof(IImageStoreReader).GetMethods(), m => m.ReturnType == typeof(IAsyncEnumerable<ImageStoreContent>));
        Assert.NotNull(typeof(IImageStoreWriter).GetMethod(nameof(IImageStoreWriter.UploadFileAsync), [typeof(string), typeof(Stream), typeof(CancellationToken)]));
        Assert.NotNull(typeof(ResumableUploader).GetMethod(nameof(ResumableUploader.UploadAsync),
            [typeof(Stream), typeof(string), typeof(FileUploadOptions), typeof(IProgress<UploadProgress>), typeof(CancellationToken)]));
    }

    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _requests;

        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The first request gets 503 with <c>Retry-After</c>; the rest go to the server.</summary>
    private sealed class RetryAfterHandler(TimeSpan after) : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<TimeSpan> Attempts { get; } = [];

        private readonly Stopwatch _clock = Stopwatch.StartNew();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Attempts)
            {
                Attempts.Add(_clock.Elapsed);
                if (Attempts.Count == 1)
                {
                    var busy = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                    {
                        Content = new StringContent("""{"Error":{"Code":"FABRIC_E_SERVICE_TOO_BUSY","Message":"busy"}}"""),
                    };
                    busy.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(after);
                    return Task.FromResult(busy);
                }
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The first <c>failures</c> PUTs are read in full and answered 503; the rest go to the server.</summary>
    private sealed class FailFirstPutHandler(int failures) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _puts;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Put && Interlocked.Increment(ref _puts) <= failures)
            {
                await request.Content!.ReadAsByteArrayAsync(cancellationToken); // consumes the stream, as a real send would
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("""{"Error":{"Code":"FABRIC_E_SERVICE_TOO_BUSY","Message":"busy"}}""") };
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) { inner.Dispose(); } base.Dispose(disposing); }
    }
}

/// <summary>The packages: the client's carries its XML docs and readme; the CLI installs as a dotnet tool from a local feed.</summary>
public sealed class PackagingTests(ITestOutputHelper output)
{
    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Temp()
    {
        var dir = Path.Combine(Path.GetTempPath(), "imagestore-pack-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public async Task The_client_package_carries_xml_docs_for_every_public_type_and_its_readme()
    {
        var feed = Temp();
        var pack = await RunAsync("dotnet", "pack", "src/BlobImageStore.Client", "--no-build", "-c", RepoPaths.Configuration, "-o", feed);
        Assert.True(pack.Exit == 0, pack.Output);
        using var nupkg = ZipFile.OpenRead(Directory.GetFiles(feed, "BlobImageStore.Client.*.nupkg").Single());
        Assert.Contains(nupkg.Entries, e => e.FullName == "README.md");
        var docs = nupkg.Entries.Single(e => e.FullName.EndsWith("/BlobImageStore.Client.xml", StringComparison.Ordinal));
        using var reader = new StreamReader(docs.Open());
        var xml = System.Xml.Linq.XDocument.Parse(await reader.ReadToEndAsync());
        var documented = xml.Descendants("member").Select(m => (string)m.Attribute("name")!).ToHashSet(StringComparer.Ordinal);
        var missing = typeof(ImageStoreClient).Assembly.GetExportedTypes().Select(t => "T:" + t.FullName!.Replace('+', '.')).Where(n => !documented.Contains(n)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task The_cli_installs_as_a_dotnet_tool_from_a_local_feed_as_the_readme_says()
    {
        // README: dotnet pack src/BlobImageStore.Cli -o <feed>; dotnet tool install --tool-path <dir> --add-source <feed> BlobImageStore.Cli
        var feed = Temp();
        var tools = Temp();
        var pack = await RunAsync("dotnet", "pack", "src/BlobImageStore.Cli", "--no-build", "-c", RepoPaths.Configuration, "-o", feed);
        Assert.True(pack.Exit == 0, pack.Output);
        var install = await RunAsync("dotnet", "tool", "install", "--tool-path", tools, "--add-source", feed, "BlobImageStore.Cli");
        output.WriteLine(install.Output);
        Assert.True(install.Exit == 0, install.Output);

        var help = await RunAsync(Path.Combine(tools, "imagestore"), "--help");
        Assert.True(help.Exit == 0, help.Output);
        Assert.Contains("upload", help.Output);
        var usage = await RunAsync(Path.Combine(tools, "imagestore"), "ls", "--json");
        Assert.Equal(2, usage.Exit);
    }
}
