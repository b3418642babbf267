using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// The node's listening endpoints: the web UI and API on each of the given URLs (HTTP/1.1, over TLS for <c>https://</c> URLs),
/// and, for a node of a multi-node network, the peer endpoint on its own port with HTTP/2 only (gRPC without TLS needs
/// prior-knowledge HTTP/2).
/// </summary>
public static class KestrelEndpoints
{
    /// <summary>
    /// Configures Kestrel. <paramref name="urls"/> is a ';'-separated list such as <c>http://localhost:5080;https://0.0.0.0:5443</c>;
    /// <paramref name="certificate"/> is asked for once when one of them is https.
    /// </summary>
    /// <exception cref="InvalidOperationException">A URL is not an http or https URL with a port, or an https URL has no certificate.</exception>
    public static void Listen(KestrelServerOptions kestrel, string urls, Uri? peer, Func<X509Certificate2>? certificate = null)
    {
        X509Certificate2? tls = null;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (https, host, port) = Parse(url);
            if (https)
            {
                tls ??= certificate?.Invoke() ?? throw new InvalidOperationException($"'{url}' needs a certificate.");
                var serving = tls;
                Bind(kestrel, host, port, o =>
                {
                    o.Protocols = HttpProtocols.Http1;
                    o.UseHttps(serving);
                });
            }
            else
            {
                Bind(kestrel, host, port, o => o.Protocols = HttpProtocols.Http1);
            }
        }
        if (peer is not null) Bind(kestrel, peer.Host, peer.Port, o => o.Protocols = HttpProtocols.Http2);
    }

    private static (bool Https, string Host, int Port) Parse(string url)
    {
        // Kestrel's wildcard forms (http://*:5080, http://+:5080) are not valid URIs for Uri; map them first.
        var normalised = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.IsDefaultPort && !normalised.Contains(uri.Scheme == "https" ? ":443" : ":80", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{url}' is not an address to listen on; use the form http://HOST:PORT or https://HOST:PORT (e.g. http://localhost:5080).");
        }
        return (uri.Scheme == "https", uri.Host, uri.Port);
    }

    private static void Bind(KestrelServerOptions kestrel, string host, int port, Action<ListenOptions> configure)
    {
        if (host is "localhost") kestrel.ListenLocalhost(port, configure);
        else if (host is "0.0.0.0") kestrel.ListenAnyIP(port, configure);
        else if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) kestrel.Listen(ip, port, configure);
        else kestrel.ListenAnyIP(port, configure); // a DNS name: listen on every interface
    }
}
