using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace BlobImageStore.Server.Hosting;

/// <summary>
/// How much of a request Kestrel reads ahead of the handler, per connection: <c>Kestrel:Limits:MaxRequestBufferSize</c>,
/// 64 KiB here instead of Kestrel's 1 MiB. An upload that waits for the buffer budget (<c>ImageStore:BufferBudget</c>)
/// leaves its body in the connection's read-ahead, so this is the memory a waiting connection costs: measured in
/// docs/benchmarks.md, 200 waiting connections held 200 MiB of Kestrel's pinned blocks at 1 MiB each.
/// <para>
/// For plain HTTP/1.1 the read-ahead is bounded by the socket transport's own <see cref="SocketTransportOptions.MaxReadBufferSize"/>,
/// not by <c>Limits.MaxRequestBufferSize</c> (which bounds the decrypted pipe behind TLS); both are set to the one value.
/// </para>
/// </summary>
public static class KestrelMemory
{
    public const string Setting = "Kestrel:Limits:MaxRequestBufferSize";

    /// <summary>The read-ahead per connection unless <see cref="Setting"/> says otherwise.</summary>
    public const long DefaultReadAhead = 64 * 1024;

    /// <summary>
    /// Whether the socket transport waits for data with a zero-byte read before it takes a buffer for the next read
    /// (Kestrel's default, true, costs a second receive call for every read of at most one 4 KiB pool block while a body
    /// streams in; false reads straight into the block and keeps one 4 KiB block per idle connection instead). False here:
    /// half the receive calls per uploaded byte (measured in docs/benchmarks.md, issue #14).
    /// </summary>
    public const string WaitForDataSetting = "Kestrel:Sockets:WaitForDataBeforeAllocatingBuffer";

    public static void UseImageStoreKestrelMemory(this WebApplicationBuilder builder)
    {
        var readAhead = builder.Configuration.GetValue(Setting, DefaultReadAhead);
        if (readAhead < 4096)
        {
            throw new InvalidOperationException($"{Setting} is {readAhead}: set at least 4096 bytes (the default is {DefaultReadAhead}).");
        }

        var waitForData = builder.Configuration.GetValue(WaitForDataSetting, false);
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.MaxReadBufferSize = readAhead;
            sockets.WaitForDataBeforeAllocatingBuffer = waitForData;
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBufferSize = readAhead);
    }
}
