using Grpc.Core;
using Grpc.Core.Interceptors;
using HealthLedger.Core.Crypto;

namespace HealthLedger.Node.Network;

/// <summary>
/// Client side of the peer handshake: adds <see cref="PeerCallAuth"/>'s signed headers to every outgoing call. The key is
/// not owned (the node or the joiner disposes it).
/// </summary>
/// <param name="networkId">The network the calls are for.</param>
/// <param name="key">This node's key.</param>
/// <param name="clock">The clock that stamps each call.</param>
public sealed class PeerCallSigner(string networkId, SigningKeyPair key, TimeProvider clock) : Interceptor
{
    /// <inheritdoc/>
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, Signed(context));

    /// <inheritdoc/>
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, Signed(context));

    /// <inheritdoc/>
    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) => continuation(request, Signed(context));

    /// <inheritdoc/>
    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context,
        AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) => continuation(Signed(context));

    /// <inheritdoc/>
    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context,
        AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) => continuation(Signed(context));

    private ClientInterceptorContext<TRequest, TResponse> Signed<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class =>
        new(context.Method, context.Host, context.Options.WithHeaders(PeerCallAuth.Sign(context.Options.Headers, networkId, context.Method.FullName, key, clock.GetUtcNow())));
}
