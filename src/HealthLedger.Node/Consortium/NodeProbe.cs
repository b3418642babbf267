using System.Net;
using System.Security.Authentication;
using HealthLedger.Core.Model;

namespace HealthLedger.Node.Consortium;

/// <summary>
/// Asks whether something answers at a node's peer address before a node is proposed: one HTTP/2 request (what the gRPC peer
/// endpoint speaks) with a short deadline. Any HTTP answer, or a TLS handshake that fails on the certificate, counts as
/// answering; a refused connection, an unknown host or silence does not.
/// </summary>
public sealed class NodeProbe
{
    /// <summary>How long the probe waits.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Why nothing answers at <paramref name="address"/>, or null when something does (or the address is empty: a node others never dial).</summary>
    public async Task<string?> ProblemAsync(string address, CancellationToken ct)
    {
        if (address.Length == 0) return null;
        if (NodeRecord.AddressProblem(address) is { } problem) return problem;
        using var handler = new SocketsHttpHandler { ConnectTimeout = Timeout };
        using var client = new HttpClient(handler) { Timeout = Timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, address) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            return null;
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException)
        {
            return null; // a TLS endpoint answered; its certificate is the peer layer's business
        }
        catch (HttpRequestException e)
        {
            return $"nothing answers at {address} ({e.HttpRequestError}): start the node first, or check the address";
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"{address} did not answer within {Timeout.TotalSeconds:0} s: start the node first, or check the address";
        }
    }
}
