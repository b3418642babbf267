using System.Collections.Concurrent;
using System.Globalization;
using Grpc.Core;
using Grpc.Core.Interceptors;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Ledger;

namespace HealthLedger.Node.Network;

/// <summary>
/// Server side of the peer handshake (<see cref="PeerCallAuth"/>), in front of every method of the peer service. A call is
/// served only when it names this network, comes from a key of a <c>node/&lt;id&gt;</c> record in the current state (the
/// validators, including nodes added by <c>ConfigureNodes</c>, so a lost or new node can <c>join</c>, and the non-voting
/// observers, which may call everything but <c>Deliver</c>: their consensus messages are refused), carries a valid
/// signature, a time within <see cref="PeerCallAuth.MaxSkew"/> and a nonce not seen before. Anything else is refused
/// (Unauthenticated: missing, malformed, stale, replayed or badly signed; PermissionDenied: another network or a key that is
/// not a node's) and counted in <see cref="PeerStats.Unauthenticated"/>. A refusal for another network carries this
/// network's id in the <see cref="PeerCallAuth.NetworkHeader"/> trailer, so a joining node learns which network it reached.
/// </summary>
public sealed class PeerAuthenticator(LedgerNode node, PeerStats stats, TimeProvider clock) : Interceptor
{
    private const int MaxRemembered = 1_000_000;
    private static readonly string DeliverMethod = "/" + Grpc.Peer.Descriptor.FullName + "/Deliver";
    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);
    private long _nextSweep;

    /// <inheritdoc/>
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    /// <inheritdoc/>
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc/>
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, context);
    }

    /// <inheritdoc/>
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authenticate(ServerCallContext context)
    {
        if (Check(context.RequestHeaders, context.Method) is not { } refusal) return;
        stats.AddUnauthenticated();
        var trailers = new Metadata();
        if (refusal.WrongNetwork) trailers.Add(PeerCallAuth.NetworkHeader, node.Network.NetworkId);
        throw new RpcException(new Status(refusal.Code, refusal.Reason), trailers);
    }

    private Refusal? Check(Metadata headers, string method)
    {
        var network = headers.GetValue(PeerCallAuth.NetworkHeader);
        var keyHex = headers.GetValue(PeerCallAuth.KeyHeader);
        var timeText = headers.GetValue(PeerCallAuth.TimeHeader);
        var nonce = PeerCallAuth.FromHex(headers.GetValue(PeerCallAuth.NonceHeader), PeerCallAuth.NonceBytes);
        var signatureBytes = PeerCallAuth.FromHex(headers.GetValue(PeerCallAuth.SignatureHeader), Signature64.Length);
        if (network is null || keyHex is null || timeText is null || nonce is null || signatureBytes is null
            || !SigningPublicKey.TryParse(keyHex, out var key) || !long.TryParse(timeText, NumberStyles.None, CultureInfo.InvariantCulture, out var time))
        {
            return new(StatusCode.Unauthenticated, "peer calls must be signed by a node of this network");
        }
        if (network != node.Network.NetworkId) return new(StatusCode.PermissionDenied, $"this node belongs to network '{node.Network.NetworkId}'", WrongNetwork: true);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (Math.Abs(now - time) > (long)PeerCallAuth.MaxSkew.TotalMilliseconds) return new(StatusCode.Unauthenticated, "the call's time is too far from this node's clock");
        var observer = node.Observers.Any(o => o.SigningKey == key);
        if (!observer && !node.Validators.Any(v => v.SigningKey == key)) return new(StatusCode.PermissionDenied, "the calling key is not a node of this network");
        if (observer && method == DeliverMethod)
        {
            return new(StatusCode.PermissionDenied, "the calling node is a non-voting observer: its consensus messages are not accepted");
        }
        if (!SigningKeyPair.Verify(key, PeerCallAuth.SigningMessage(network, method, key, time, nonce), new Signature64(signatureBytes)))
        {
            return new(StatusCode.Unauthenticated, "the call's signature does not verify");
        }
        return Remember(keyHex + ":" + Convert.ToHexStringLower(nonce), now) ? null : new(StatusCode.Unauthenticated, "the call was replayed");
    }

    // True when the nonce is new. Each is kept until it is older than twice the skew (by then its time is refused anyway).
    private bool Remember(string nonce, long now)
    {
        var window = 2 * (long)PeerCallAuth.MaxSkew.TotalMilliseconds;
        if (now >= Interlocked.Read(ref _nextSweep) || _seen.Count >= MaxRemembered)
        {
            Interlocked.Exchange(ref _nextSweep, now + window / 4);
            foreach (var (seen, expires) in _seen)
            {
                if (expires < now) _seen.TryRemove(seen, out _);
            }
        }
        return _seen.Count < MaxRemembered && _seen.TryAdd(nonce, now + window);
    }

    private sealed record Refusal(StatusCode Code, string Reason, bool WrongNetwork = false);
}
