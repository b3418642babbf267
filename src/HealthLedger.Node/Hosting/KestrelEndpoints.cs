using System.Net;
using System.Net.Sockets;
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
        foreach (var url in Entries(urls))
        {
            var (https, host, port, _) = Parse(url);
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

    private static (bool Https, string Host, int Port, Uri Uri) Parse(string url)
    {
        // Kestrel's wildcard forms (http://*:5080, http://+:5080) are not valid URIs for Uri; map them first.
        var normalised = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.IsDefaultPort && !normalised.Contains(uri.Scheme == "https" ? ":443" : ":80", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{url}' is not an address to listen on; use the form http://HOST:PORT or https://HOST:PORT (e.g. http://localhost:5080).");
        }
        return (uri.Scheme == "https", uri.Host, uri.Port, uri);
    }

    // The entries of a ';'-separated address list, as Listen takes them.
    private static string[] Entries(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The port of one listening address (Kestrel's wildcard forms included), or null when it is not one.</summary>
    public static int? PortOf(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        try
        {
            return Parse(url).Port;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// An address a browser on this machine can open for one address Kestrel listens on: an every-address one
    /// (<c>http://0.0.0.0:5080</c>, <c>http://[::]:5080</c>, <c>*</c>, <c>+</c>), which no browser opens, as
    /// <c>localhost</c> on its port; any other as it is. Null when it is no listening address.
    /// </summary>
    public static string? Browsable(string listening)
    {
        ArgumentNullException.ThrowIfNull(listening);
        try
        {
            var (https, host, port, _) = Parse(listening.TrimEnd('/'));
            return host is "0.0.0.0" or "[::]" ? $"{(https ? "https" : "http")}://localhost:{port}" : listening.TrimEnd('/');
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static void Bind(KestrelServerOptions kestrel, string host, int port, Action<ListenOptions> configure)
    {
        switch (Where(host))
        {
            case Listening.Localhost:
                kestrel.ListenLocalhost(port, configure);
                break;
            case Listening.AnyAddress:
                kestrel.ListenAnyIP(port, configure);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(host.Trim('[', ']')), port, configure);
                break;
        }
    }

    /// <summary>
    /// Why <paramref name="urls"/> (a ';'-separated list, as <see cref="Listen"/> takes it; empty entries are the caller's to
    /// refuse) cannot be listened on as written, in one sentence, or null: an entry that is not <c>http(s)://HOST:PORT</c>, port 0
    /// (a port the system would pick: Kestrel refuses it at the start), a path, query or fragment (dropped without a word), or
    /// the same address twice (it was told "the port is in use by another program"). Checked before anything is made.
    /// </summary>
    public static string? AddressProblem(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var seen = new HashSet<(bool, string, int)>();
        foreach (var url in Entries(urls))
        {
            (bool Https, string Host, int Port, Uri Uri) parsed;
            try
            {
                parsed = Parse(url);
            }
            catch (InvalidOperationException e)
            {
                return e.Message;
            }
            var uri = parsed.Uri;
            if (parsed.Port == 0) return $"'{url}' has port 0; give the port to listen on (e.g. http://localhost:5080).";
            if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                return $"'{url}' has more than a scheme, host and port; a listening address is http://HOST:PORT or https://HOST:PORT.";
            }
            if (!seen.Add((parsed.Https, parsed.Host.ToLowerInvariant(), parsed.Port))) return $"'{url}' is given twice; give each address once.";
        }
        return null;
    }

    /// <summary>
    /// The entries of <paramref name="urls"/> whose host is a name other than <c>localhost</c>: Kestrel listens on every address
    /// of the machine for them (not only where the name points, nor only if it resolves), which the start warns of.
    /// </summary>
    public static IReadOnlyList<string> NamedHosts(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var named = new List<string>();
        foreach (var url in Entries(urls))
        {
            try
            {
                // Kestrel's every-address case (Where) other than the wildcards themselves (*, + and 0.0.0.0 parse as 0.0.0.0).
                var host = Parse(url).Host;
                if (Where(host) == Listening.AnyAddress && host != "0.0.0.0") named.Add(url);
            }
            catch (InvalidOperationException)
            {
                // not an address: AddressProblem says so
            }
        }
        return named;
    }

    private enum Listening
    {
        Address,
        Localhost,
        AnyAddress,
    }

    // How Kestrel listens for a host: both loopbacks for localhost; an IP address as given; every address for 0.0.0.0 (what *
    // and + are mapped to) and for a DNS name.
    private static Listening Where(string host) =>
        host is "localhost" ? Listening.Localhost
        : host is not "0.0.0.0" && IPAddress.TryParse(host.Trim('[', ']'), out _) ? Listening.Address
        : Listening.AnyAddress;

    /// <summary>
    /// The first address of <paramref name="urls"/> (a ';'-separated list, as <see cref="Listen"/> takes it) whose port another
    /// program holds now — or an earlier address of the same list does (<c>localhost:P;127.0.0.1:P</c>) —, or null. Each is
    /// bound as Kestrel binds it, and released once the whole list is checked: an IP address as given (<c>[::]</c>
    /// dual-stack); <c>localhost</c> on both loopbacks; <c>*</c>, <c>+</c>, <c>0.0.0.0</c> and a host name on the IPv6 any
    /// address, dual-stack (so a port held on <c>::1</c> alone counts), else, without IPv6, the IPv4 any address. An address
    /// that does not parse, a port 0, and an address this machine does not have are left to the start to say.
    /// </summary>
    public static string? FirstInUse(string urls) => FirstProblem(urls) is { InUse: true } problem ? problem.Url : null;

    /// <summary>
    /// As <see cref="FirstInUse"/>, and also an IP address that cannot be listened on for another reason (one this machine does
    /// not have, an IPv4-mapped IPv6 address): the address and the socket's words, or null when every address can be bound.
    /// </summary>
    public static (string Url, bool InUse, string Reason)? FirstProblem(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var held = new List<TcpListener>();
        try
        {
            foreach (var url in Entries(urls))
            {
                (bool Https, string Host, int Port, Uri Uri) parsed;
                try
                {
                    parsed = Parse(url);
                }
                catch (InvalidOperationException)
                {
                    continue;
                }
                if (parsed.Port == 0) continue;
                (bool InUse, string? Error) bound;
                switch (Where(parsed.Host))
                {
                    case Listening.Localhost:
                        bound = Bind(held, IPAddress.Loopback, parsed.Port);
                        if (!bound.InUse) bound = (Bind(held, IPAddress.IPv6Loopback, parsed.Port).InUse, null);
                        break;
                    case Listening.AnyAddress:
                        bound = Bind(held, IPAddress.IPv6Any, parsed.Port);
                        if (bound is { InUse: false, Error: not null }) bound = (Bind(held, IPAddress.Any, parsed.Port).InUse, null);
                        break;
                    default:
                        bound = Bind(held, IPAddress.Parse(parsed.Host.Trim('[', ']')), parsed.Port);
                        break;
                }
                if (bound.InUse) return (url, true, "the port is in use by another program");
                if (bound.Error is { } error) return (url, false, error);
            }
            return null;
        }
        finally
        {
            foreach (var listener in held) listener.Dispose();
        }
    }

    // Binds the port on the address and keeps it (in held) until the list is checked: in use (another socket, or an earlier
    // address of the list, holds it), bound, or not bound for another reason (the socket's words).
    private static (bool InUse, string? Error) Bind(List<TcpListener> held, IPAddress address, int port)
    {
        var listener = new TcpListener(address, port);
        try
        {
            if (address.Equals(IPAddress.IPv6Any)) listener.Server.DualMode = true; // as Kestrel binds [::]
            listener.Start();
            held.Add(listener);
            return (false, null);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            return e.SocketErrorCode == SocketError.AddressAlreadyInUse ? (true, null) : (false, e.Message);
        }
    }
}
