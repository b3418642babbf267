using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// Keeps the node's two faces apart by the port a request arrived on (not by its Host header, which the client chooses):
/// the peer port serves only the peer service, and the web ports never serve it. Anything else answers 404 at once.
/// </summary>
public static class PeerPortGate
{
    /// <summary>Path prefix of the peer service's gRPC methods.</summary>
    public const string PeerPathPrefix = "/healthledger.peer.v1.Peer";

    /// <summary>
    /// True when <paramref name="request"/> is a call of the peer service: by its path, which the gate allows only on the peer
    /// port (never by its Content-Type, which any web client may set to <c>application/grpc</c>).
    /// </summary>
    public static bool IsPeerCall(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Path.StartsWithSegments(PeerPathPrefix, StringComparison.Ordinal);
    }

    /// <summary>Adds the gate; call it first in the pipeline.</summary>
    public static IApplicationBuilder UsePeerPortGate(this IApplicationBuilder app, int peerPort) =>
        app.Use(async (context, next) =>
        {
            var onPeerPort = context.Connection.LocalPort == peerPort;
            var isPeerCall = IsPeerCall(context.Request);
            if (onPeerPort != isPeerCall)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context);
        });
}
