using Google.Protobuf;
using Grpc.Core;
using HealthLedger.Consensus;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network.Grpc;
using HealthLedger.Storage;

namespace HealthLedger.Node.Network;

/// <summary>
/// The peer endpoint. Only nodes of the network are served: every call passes <see cref="PeerAuthenticator"/> (a signed
/// handshake by a node key in the state) before it reaches a method here. Every request also names the network; consensus messages are decoded and checked (a validator of the current
/// set, a valid signature) before they are queued for the engine, which checks them again; anything else is counted and
/// dropped. Forwarded transactions pass the same door checks as the API's. Replies are bounded in size.
/// </summary>
public sealed class PeerService(LedgerNode node, ConsensusHost host, IDocumentStore documents, PeerStats stats) : Peer.PeerBase
{
    private const int MaxBlocksPerReply = 256;
    private const long MaxReplyBytes = 32L * 1024 * 1024;

    /// <inheritdoc/>
    public override Task<Ack> Deliver(ConsensusBatch request, ServerCallContext context)
    {
        CheckNetwork(request.NetworkId);
        var validators = node.Validators;
        foreach (var bytes in request.Messages)
        {
            if (ConsensusMessage.TryDecode(bytes.Span) is not { } message)
            {
                stats.AddGarbage();
                continue;
            }
            if (!validators.Any(v => v.SigningKey == message.Sender) || !message.VerifySignature(node.Network.NetworkId))
            {
                stats.AddForged();
                continue;
            }
            host.Deliver(message);
        }
        return Task.FromResult(new Ack { Height = node.Tip.Height });
    }

    /// <inheritdoc/>
    public override Task<ForwardReply> Forward(TxBatch request, ServerCallContext context)
    {
        CheckNetwork(request.NetworkId);
        var reply = new ForwardReply();
        // The well-formed ones pass the door as one batch (signatures verified in parallel), in the order they came.
        var raws = new List<ReadOnlyMemory<byte>>(request.Txs.Count);
        var blobLists = new List<IReadOnlyDictionary<Hash256, byte[]>>(request.Txs.Count);
        foreach (var tx in request.Txs)
        {
            var blobs = new Dictionary<Hash256, byte[]>();
            var wellFormed = true;
            foreach (var blob in tx.Blobs)
            {
                if (blob.Hash.Length != 32)
                {
                    wellFormed = false;
                    break;
                }
                blobs[new Hash256(blob.Hash.Span)] = blob.Data.ToByteArray();
            }
            if (!wellFormed)
            {
                reply.Refused++;
                continue;
            }
            raws.Add(tx.Raw.Memory);
            blobLists.Add(blobs);
        }
        foreach (var result in node.SubmitFromPeer(raws, blobLists))
        {
            if (result.Result.IsOk) reply.Accepted++;
            else reply.Refused++;
        }
        return Task.FromResult(reply);
    }

    /// <inheritdoc/>
    public override Task<StatusReply> Status(StatusRequest request, ServerCallContext context)
    {
        var tip = node.Tip;
        return Task.FromResult(new StatusReply
        {
            NetworkId = node.Network.NetworkId,
            NodeId = node.NodeId,
            Height = tip.Height,
            TipHash = ByteString.CopyFrom(tip.Hash.ToArray()),
            Round = (uint)(host.Status?.Round ?? 0),
        });
    }

    /// <inheritdoc/>
    public override Task<BlocksReply> GetBlocks(BlocksRequest request, ServerCallContext context)
    {
        CheckNetwork(request.NetworkId);
        var reply = new BlocksReply();
        var max = (ulong)Math.Clamp(request.Max, 1u, MaxBlocksPerReply);
        long bytes = 0;
        foreach (var stored in node.Store.ReadBlocks(request.From, request.From + max - 1))
        {
            // Genesis has no certificate (a joining node checks it by its hash); any other block without one predates consensus.
            var certificate = node.Store.ReadCertificate(stored.Height) ?? (stored.Height == 0 ? [] : null);
            if (certificate is null) break;
            if (!Core.Ledger.BlockHeader.TryDecode(stored.Header, out var header, out _)) break;
            var txs = new List<Core.Transactions.Transaction>(stored.Transactions.Count);
            foreach (var t in stored.Transactions)
            {
                if (!Core.Transactions.Transaction.TryDecode(t.Body, node.Network.Policy.MaxTxBytes, out var tx).IsOk) return Task.FromResult(reply);
                txs.Add(tx!);
            }
            var blobs = node.Store.ReadBlobsAt(stored.Height, txs.SelectMany(t => t.Payload.Records).Select(r => r.CiphertextHash)).ToDictionary(b => b.Hash, b => b.Data);
            var value = new BlockValue(new Core.Ledger.Block(header!, txs), blobs).Encode();
            bytes += value.Length + certificate.Length;
            if (reply.Blocks.Count > 0 && bytes > MaxReplyBytes) break;
            reply.Blocks.Add(new SyncedBlock { Value = ByteString.CopyFrom(value), Certificate = ByteString.CopyFrom(certificate) });
        }
        return Task.FromResult(reply);
    }

    /// <inheritdoc/>
    public override async Task GetDocument(DocumentRequest request, IServerStreamWriter<DocumentChunk> responseStream, ServerCallContext context)
    {
        CheckNetwork(request.NetworkId);
        if (request.Hash.Length != 32) throw new RpcException(new Status(StatusCode.InvalidArgument, "hash must be 32 bytes"));
        await using var file = documents.OpenCiphertext(new Hash256(request.Hash.Span))
            ?? throw new RpcException(new Status(StatusCode.NotFound, "this node does not hold that document"));
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await file.ReadAsync(buffer, context.CancellationToken)) > 0)
        {
            await responseStream.WriteAsync(new DocumentChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, context.CancellationToken);
        }
    }

    private void CheckNetwork(string networkId)
    {
        if (networkId != node.Network.NetworkId)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"this node belongs to network '{node.Network.NetworkId}'"));
        }
    }
}

/// <summary>What the peer endpoint dropped (one per node).</summary>
public sealed class PeerStats
{
    private long _garbage;
    private long _forged;
    private long _unauthenticated;

    /// <summary>Messages that did not decode.</summary>
    public long Garbage => Interlocked.Read(ref _garbage);

    /// <summary>Messages from a non-validator or with a bad signature.</summary>
    public long Forged => Interlocked.Read(ref _forged);

    /// <summary>Calls refused by the handshake (<see cref="PeerAuthenticator"/>): anonymous, forged, stale, replayed, or not from a node.</summary>
    public long Unauthenticated => Interlocked.Read(ref _unauthenticated);

    internal void AddGarbage() => Interlocked.Increment(ref _garbage);

    internal void AddForged() => Interlocked.Increment(ref _forged);

    internal void AddUnauthenticated() => Interlocked.Increment(ref _unauthenticated);
}
