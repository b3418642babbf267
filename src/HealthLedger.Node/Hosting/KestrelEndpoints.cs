using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// The node's listening endpoints: the web UI and API on each of the given URLs (HTTP/1.1), and, for a node of a
/// multi-node network, the peer endpoint on its own port with HTTP/2 only (gRPC without TLS needs prior-knowledge HTTP/2).
/// </summary>
public static class KestrelEndpoints
{
    /// <summary>Configures Kestrel. <paramref name="urls"/> is a ';'-separated list such as <c>http://localhost:5080</c>.</summary>
    /// <exception cref="InvalidOperationException">A URL is not an http URL with a port.</exception>
    public static void Listen(KestrelServerOptions kestrel, string urls, Uri? peer)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (host, port) = Parse(url);
            Bind(kestrel, host, port, HttpProtocols.Http1);
        }
        if (peer is not null) Bind(kestrel, peer.Host, peer.Port, HttpProtocols.Http2);
    }

    private static (string Host, int Port) Parse(string url)
    {
        // Kestrel's wildcard forms (http://*:5080, http://+:5080) are not valid URIs for Uri; map them first.
        var normalised = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.IsDefaultPort && !normalised.Contains(":80", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{url}' is not an address to listen on; use the form http://HOST:PORT (e.g. http://localhost:5080).");
        }
        return (uri.Host, uri.Port);
    }

    private static void Bind(KestrelServerOptions kestrel, string host, int port, HttpProtocols protocols)
    {
        if (host is "localhost") kestrel.ListenLocalhost(port, o => o.Protocols = protocols);
        else if (host is "0.0.0.0") kestrel.ListenAnyIP(port, o => o.Protocols = protocols);
        else if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) kestrel.Listen(ip, port, o => o.Protocols = protocols);
        else kestrel.ListenAnyIP(port, o => o.Protocols = protocols); // a DNS name: listen on every interface
    }
}
