using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Network.Grpc;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Network;

/// <summary>
/// The connection to one peer: a gRPC channel, a bounded queue of consensus messages and one of forwarded transactions, each
/// drained by its own sender with a deadline on every call. When a queue is full the oldest messages (consensus; gossip
/// re-sends what matters) or the newest transactions (the origin still holds them) are dropped and counted, so a slow or
/// dead peer never makes this node use more memory.
/// </summary>
public sealed class PeerLink : IAsyncDisposable
{
    /// <summary>Largest gRPC message either way (a proposal carries a whole block).</summary>
    public const int MaxMessageBytes = 96 * 1024 * 1024;

    private const int MessageQueue = 4096;
    private const int TxQueue = 50_000;
    private static readonly TimeSpan DeliverDeadline = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ForwardDeadline = TimeSpan.FromSeconds(15);

    /// <summary>The longest pause between two attempts to forward the same batch (they start 500 ms apart and grow to this).</summary>
    private static readonly TimeSpan ForwardRetryCeiling = TimeSpan.FromSeconds(5);

    private readonly string _networkId;
    private readonly ILogger _logger;
    private readonly GrpcChannel _channel;
    private readonly Channel<byte[]> _messages = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(MessageQueue) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Channel<(Hash256 Id, Tx Tx)> _transactions = Channel.CreateBounded<(Hash256 Id, Tx Tx)>(new BoundedChannelOptions(TxQueue) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Func<Hash256, bool> _stillWaiting;
    private long _forwardFailures;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _messageSender;
    private readonly Task _txSender;
    private long _droppedTransactions;
    private bool? _connected;

    /// <summary>The first wait before reconnecting to an unreachable peer; later waits double, up to 20 times this (2 s).</summary>
    public static readonly TimeSpan ReconnectBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>Opens the link (connections are made lazily by the first call); <paramref name="signer"/> signs every call.</summary>
    public PeerLink(NodeRecord peer, string networkId, PeerCallSigner signer, ILogger logger, Func<Hash256, bool> stillWaiting)
    {
        ArgumentNullException.ThrowIfNull(stillWaiting);
        _stillWaiting = stillWaiting;
        Node = peer;
        _networkId = networkId;
        _logger = logger;
        _channel = GrpcChannel.ForAddress(peer.Address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = MaxMessageBytes,
            MaxSendMessageSize = MaxMessageBytes,
            // A peer that is not up yet (nodes start one after another) must be reached soon after it is: gRPC's default
            // reconnect backoff grows to 120 s, during which every call fails at once and the node can neither vote nor sync.
            InitialReconnectBackoff = ReconnectBackoff,
            MaxReconnectBackoff = ReconnectBackoff * 20,
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(2),
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                EnableMultipleHttp2Connections = true,
            },
        });
        Client = new Peer.PeerClient(_channel.Intercept(signer));
        _messageSender = Task.Run(() => SendMessagesAsync(_stop.Token));
        _txSender = Task.Run(() => SendTransactionsAsync(_stop.Token));
    }

    /// <summary>The peer as the validator set records it.</summary>
    public NodeRecord Node { get; }

    /// <summary>The generated client (for status, block sync and documents); its calls carry this node's signed handshake.</summary>
    public Peer.PeerClient Client { get; }

    /// <summary>True after the last call to the peer succeeded; null before any call.</summary>
    public bool Connected => _connected == true;

    /// <summary>When the peer last answered.</summary>
    public DateTimeOffset? LastSeen { get; private set; }

    /// <summary>The peer's last reported height.</summary>
    public ulong? Height { get; private set; }

    /// <summary>The peer's last reported round.</summary>
    public int? Round { get; private set; }

    /// <summary>Transactions not forwarded because the queue was full.</summary>
    public long DroppedTransactions => Interlocked.Read(ref _droppedTransactions);

    /// <summary>Calls forwarding a batch that failed (the peer down, slow or refusing); each failed batch is sent again.</summary>
    public long ForwardFailures => Interlocked.Read(ref _forwardFailures);

    /// <summary>Queues an encoded consensus message.</summary>
    public void Send(byte[] message) => _messages.Writer.TryWrite(message);

    /// <summary>Queues a transaction (<paramref name="id"/>, its encoding and ciphertexts) for forwarding.</summary>
    public void Forward(Hash256 id, Tx tx)
    {
        if (!_transactions.Writer.TryWrite((id, tx))) Interlocked.Increment(ref _droppedTransactions);
    }

    /// <summary>Asks the peer for its height (1 s deadline) and records whether it answered.</summary>
    public async Task PollAsync(CancellationToken ct)
    {
        try
        {
            var reply = await Client.StatusAsync(new StatusRequest { NetworkId = _networkId }, deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: ct);
            if (reply.NetworkId != _networkId || reply.NodeId != Node.Id)
            {
                MarkDown($"answering as node '{reply.NodeId}' of network '{reply.NetworkId}'");
                return;
            }
            Height = reply.Height;
            Round = (int)reply.Round;
            MarkUp();
        }
        catch (RpcException e)
        {
            MarkDown(e.StatusCode.ToString());
        }
    }

    /// <summary>Records a successful call.</summary>
    internal void MarkUp()
    {
        LastSeen = DateTimeOffset.UtcNow;
        if (_connected == true) return;
        _connected = true;
        Log.PeerState(_logger, Node.Id, Node.Address, "connected");
    }

    /// <summary>Records a failed call.</summary>
    internal void MarkDown(string why)
    {
        if (_connected == false) return;
        var wasUp = _connected == true;
        _connected = false;
        if (!wasUp) return; // not reached yet (it may still be starting): only a lost connection is news
        Log.PeerState(_logger, Node.Id, Node.Address, $"unreachable ({why})");
    }

    private async Task SendMessagesAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var reader = _messages.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct))
            {
                var envelope = new ConsensusBatch { NetworkId = _networkId };
                long bytes = 0;
                while (envelope.Messages.Count < 512 && bytes < MaxMessageBytes / 2 && reader.TryRead(out var m))
                {
                    envelope.Messages.Add(ByteString.CopyFrom(m));
                    bytes += m.Length;
                }
                try
                {
                    var ack = await Client.DeliverAsync(envelope, deadline: DateTime.UtcNow + DeliverDeadline, cancellationToken: ct);
                    Height = ack.Height;
                    MarkUp();
                    backoff = TimeSpan.FromMilliseconds(100);
                }
                catch (RpcException e)
                {
                    // Lost: consensus does not rely on delivery (timeouts and gossip re-send what matters).
                    MarkDown(e.StatusCode.ToString());
                    await Task.Delay(backoff, ct);
                    backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 2000));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task SendTransactionsAsync(CancellationToken ct)
    {
        var reader = _transactions.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct))
            {
                var items = new List<(Hash256 Id, Tx Tx)>();
                long bytes = 0;
                while (items.Count < 2000 && bytes < MaxMessageBytes / 2 && reader.TryRead(out var item))
                {
                    items.Add(item);
                    bytes += item.Tx.CalculateSize();
                }
                // The same batch is sent again, for as long as its transactions wait in this node's mempool, before any later
                // one is sent: a signer's transactions reach the peer in the order they were submitted, so a later nonce of a
                // lane never commits before an earlier one that was only delayed (which would then be refused as stale and
                // lost: a write answered 202 "may still commit" never did, break-it 2026-12-07, when batches were dropped after
                // ten attempts while a peer was stopped). Those committed or gone meanwhile are left out of the next attempt.
                for (var attempt = 1; items.Count > 0; attempt++)
                {
                    var batch = new TxBatch { NetworkId = _networkId };
                    batch.Txs.AddRange(items.Select(i => i.Tx));
                    try
                    {
                        await Client.ForwardAsync(batch, deadline: DateTime.UtcNow + ForwardDeadline, cancellationToken: ct);
                        MarkUp();
                        break;
                    }
                    catch (RpcException e)
                    {
                        MarkDown(e.StatusCode.ToString());
                        Interlocked.Increment(ref _forwardFailures);
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(500.0 * attempt, ForwardRetryCeiling.TotalMilliseconds)), ct);
                        items = items.Where(i => _stillWaiting(i.Id)).ToList();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _messages.Writer.TryComplete();
        _transactions.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_messageSender, _txSender);
        }
        catch (OperationCanceledException)
        {
        }
        _channel.Dispose();
        _stop.Dispose();
    }
}
