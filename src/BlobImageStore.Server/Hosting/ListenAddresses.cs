using System.Net;
using System.Net.Sockets;

namespace BlobImageStore.Server.Hosting;

/// <summary>
/// Checks, before anything starts, that the addresses the server will listen on are free, so that a second server on a
/// busy port stops with one line naming <c>--urls</c> instead of Kestrel's stack trace.
/// </summary>
public static class ListenAddresses
{
    /// <summary>True when every configured address can be bound; otherwise writes one line to stderr and returns false.</summary>
    public static bool EnsureFree(this WebApplicationBuilder builder)
    {
        var urls = builder.Configuration["urls"];
        if (string.IsNullOrWhiteSpace(urls))
        {
            urls = string.IsNullOrEmpty(builder.Configuration["http_ports"]) ? GatewayDefaults.Url : null;
        }

        foreach (var url in (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Endpoint(url) is { Port: > 0 } endpoint && !CanBind(endpoint))
            {
                Console.Error.WriteLine(
                    $"Cannot listen on {url}: port {endpoint.Port} is already in use (another BlobImageStore server?). Start this one on a free address with --urls http://127.0.0.1:<port>.");
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether an exception from the host's start is Kestrel failing to bind (the race the early check cannot close).</summary>
    public static bool IsAddressInUse(Exception e) =>
        e is Microsoft.AspNetCore.Connections.AddressInUseException
        || (e.InnerException is { } inner && IsAddressInUse(inner));

    private static IPEndPoint? Endpoint(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var authority = scheme < 0 ? url : url[(scheme + 3)..];
        authority = authority.Split('/')[0];
        var colon = authority.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(authority[(colon + 1)..], out var port))
        {
            return null;
        }

        var host = authority[..colon].Trim('[', ']');
        IPAddress? address = host switch
        {
            "*" or "+" or "" => IPAddress.Any,
            _ when host.Equals("localhost", StringComparison.OrdinalIgnoreCase) => IPAddress.Loopback,
            _ => IPAddress.TryParse(host, out var ip) ? ip : null,
        };
        return address is null ? null : new IPEndPoint(address, port);
    }

    private static bool CanBind(IPEndPoint endpoint)
    {
        try
        {
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(endpoint);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
        catch (SocketException)
        {
            // Not a local address, or no IPv6 here: Kestrel reports what it finds.
            return true;
        }
    }
}
