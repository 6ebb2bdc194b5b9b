using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace BlobImageStore.Client.Tests.Infrastructure;

/// <summary>
/// An HTTP forwarder between the client and the server process that counts the request-body bytes that actually
/// reached the server's side of the network, per store path: what the server received, whatever the client believes
/// it sent. A body cut off by the client is counted up to where it stopped, and its upstream request is cut off too,
/// so the server sees the same truncated request. It also keeps the order of the PUTs it forwarded.
/// </summary>
public sealed class CountingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly ConcurrentDictionary<string, long> _bodyBytes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _puts = new();
    private readonly ConcurrentQueue<string> _functionKeys = new();

    private readonly Uri _server;

    private CountingProxy(WebApplication app, HttpClient upstream, Uri address, Uri server)
    {
        _server = server;
        _app = app;
        _upstream = upstream;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Body bytes of PUT requests (UploadChunk, UploadFile) for this store path that reached the proxy.</summary>
    public long BodyBytes(string storePath) => _bodyBytes.TryGetValue(storePath, out var n) ? n : 0;

    /// <summary>Body bytes of PUT requests for every store path under <paramref name="root"/> (the root itself included).</summary>
    public long BodyBytesUnder(string root) =>
        _bodyBytes.Where(p => p.Key == root || p.Key.StartsWith(root + "/", StringComparison.Ordinal)).Sum(p => p.Value);

    /// <summary>Store paths of the PUTs forwarded, in the order they arrived.</summary>
    public IReadOnlyList<string> Puts => _puts.ToList();

    /// <summary>Every <c>x-functions-key</c> header value seen.</summary>
    public IReadOnlyCollection<string> FunctionKeys => _functionKeys.ToList();

    public static async Task<CountingProxy> StartAsync(Uri server)
    {
        var port = Server.Hosting.AzuriteProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        var upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromMinutes(5) };
        var proxy = new CountingProxy(app, upstream, new Uri($"http://127.0.0.1:{port}"), server);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
        var storePath = StorePathOf(target);
        var counted = context.Request.Method == "PUT" && storePath is not null;
        if (counted)
        {
            _puts.Enqueue(storePath!);
        }

        if (context.Request.Headers.TryGetValue("x-functions-key", out var key))
        {
            _functionKeys.Enqueue(key.ToString());
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(_server, target));
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0 || context.Request.Method is "PUT" or "POST")
        {
            Stream body = context.Request.Body;
            if (counted)
            {
                body = new CountingStream(body, n => _bodyBytes.AddOrUpdate(storePath!, n, (_, v) => v + n));
            }

            request.Content = new StreamContent(body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (name is "Host" or "Transfer-Encoding" or "Connection")
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested || request.Content is not null)
        {
            context.Abort(); // the client went away mid-body: so does the request to the server
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            if (context.Features.Get<IHttpResponseFeature>() is { } feature && response.ReasonPhrase is { } reason)
            {
                feature.ReasonPhrase = reason;
            }

            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (name is "Transfer-Encoding" or "Connection")
                {
                    continue;
                }

                context.Response.Headers[name] = values.ToArray();
            }

            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
            }
        }
    }

    /// <summary>The decoded store path of <c>/ImageStore/{path}[/$/Op]?…</c>; null for <c>/ImageStore/$/…</c>.</summary>
    private static string? StorePathOf(string target)
    {
        var path = target.Split('?')[0];
        const string prefix = "/ImageStore/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || path.StartsWith(prefix + "$/", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path[prefix.Length..];
        var op = rest.IndexOf("/$/", StringComparison.Ordinal);
        return StorePaths.Normalize(Uri.UnescapeDataString(op >= 0 ? rest[..op] : rest));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private sealed class CountingStream(Stream inner, Action<long> counted) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            counted(n);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            counted(n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
