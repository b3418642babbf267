using Google.Protobuf;
using Grpc.Core;
using HealthLedger.Consensus;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network.Grpc;
using HealthLedger.Storage;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Network;

/// <summary>
/// This node's links to the other validators (every node in the validator set but itself that has an address). Rebuilt when
/// the set changes. Sends consensus messages and forwarded transactions, polls peers' heights, fetches blocks and documents.
/// Calls are signed at the node's clock, the one its peers' <see cref="PeerAuthenticator"/> checks them against.
/// </summary>
public sealed class PeerNetwork(LedgerNode node, TimeProvider clock, ILogger<PeerNetwork> logger) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly PeerCallSigner _signer = new(node.Network.NetworkId, node.NodeKey, clock);
    private IReadOnlyList<PeerLink> _links = [];

    /// <summary>The current links.</summary>
    public IReadOnlyList<PeerLink> Links
    {
        get
        {
            lock (_lock) return _links;
        }
    }

    /// <summary>Opens links to <paramref name="validators"/> (except this node), keeping those that did not change.</summary>
    public void Update(IReadOnlyList<NodeRecord> validators)
    {
        List<PeerLink> closing;
        lock (_lock)
        {
            var wanted = validators.Where(v => v.Id != node.NodeId && v.Address.Length > 0).ToList();
            var kept = _links.Where(l => wanted.Contains(l.Node)).ToList();
            closing = _links.Except(kept).ToList();
            _links = [.. kept, .. wanted.Where(w => kept.All(k => k.Node != w)).Select(w => new PeerLink(w, node.Network.NetworkId, _signer, logger, node.Mempool.Contains))];
        }
        foreach (var link in closing) _ = link.DisposeAsync().AsTask();
    }

    /// <summary>Sends a consensus message to every peer; a non-voting observer sends none (its peers would refuse them).</summary>
    public void Broadcast(ConsensusMessage message)
    {
        var links = Links;
        if (links.Count == 0 || node.IsObserver) return;
        var bytes = message.Encode();
        foreach (var link in links) link.Send(bytes);
    }

    /// <summary>Forwards a transaction accepted at this node's door to every peer, so whoever proposes next holds it.</summary>
    public void Forward(PendingTransaction pending)
    {
        var links = Links;
        if (links.Count == 0) return;
        // Runs under the mempool's lock (LedgerNode.Accepted): no copies. The encoding and the ciphertexts are not changed
        // after admission (the mempool and the block commit hold the same arrays).
        var tx = new Tx { Raw = UnsafeByteOperations.UnsafeWrap(pending.Transaction.Encoded) };
        foreach (var (hash, data) in pending.Blobs) tx.Blobs.Add(new Blob { Hash = ByteString.CopyFrom(hash.ToArray()), Data = UnsafeByteOperations.UnsafeWrap(data) });
        foreach (var link in links) link.Forward(pending.Transaction.Id, tx);
    }

    /// <summary>Polls every peer's height.</summary>
    public Task PollAsync(CancellationToken ct) => Task.WhenAll(Links.Select(l => l.PollAsync(ct)));

    /// <summary>
    /// Fetches up to <paramref name="max"/> committed blocks from <paramref name="from"/> on, from the connected peer that
    /// reports the greatest height. Nothing is trusted: the caller checks certificates and re-executes.
    /// </summary>
    public async Task<(PeerLink Peer, IReadOnlyList<SyncedBlock> Blocks)?> FetchBlocksAsync(ulong from, int max, CancellationToken ct)
    {
        foreach (var link in Links.Where(l => l.Connected && l.Height >= from).OrderByDescending(l => l.Height))
        {
            try
            {
                var reply = await link.Client.GetBlocksAsync(new BlocksRequest { NetworkId = node.Network.NetworkId, From = from, Max = (uint)max },
                    deadline: DateTime.UtcNow.AddSeconds(20), cancellationToken: ct);
                link.MarkUp();
                if (reply.Blocks.Count > 0) return (link, reply.Blocks);
            }
            catch (RpcException e)
            {
                link.MarkDown(e.StatusCode.ToString());
            }
        }
        return null;
    }

    /// <summary>Copies a document's ciphertext from the first peer that has it; the store checks it against the hash on the chain.</summary>
    public async Task<string?> FetchDocumentAsync(Hash256 hash, long length, IDocumentStore documents, CancellationToken ct)
    {
        foreach (var link in Links.Where(l => l.Connected).OrderBy(_ => Random.Shared.Next()))
        {
            try
            {
                using var call = link.Client.GetDocument(new DocumentRequest { NetworkId = node.Network.NetworkId, Hash = ByteString.CopyFrom(hash.ToArray()) },
                    deadline: DateTime.UtcNow.AddMinutes(5), cancellationToken: ct);
                await using var stream = new ChunkStream(call.ResponseStream, ct);
                if (await documents.StoreReplicaAsync(hash, length, stream, ct) is null) return link.Node.Id;
            }
            catch (RpcException)
            {
                // Not there or unreachable: try the next peer.
            }
        }
        return null;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        IReadOnlyList<PeerLink> links;
        lock (_lock)
        {
            links = _links;
            _links = [];
        }
        foreach (var link in links) await link.DisposeAsync();
    }

    /// <summary>Reads a server stream of document chunks as a stream of bytes.</summary>
    private sealed class ChunkStream(IAsyncStreamReader<DocumentChunk> chunks, CancellationToken ct) : Web.ReadOnlyStream
    {
        private ReadOnlyMemory<byte> _current;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_current.IsEmpty)
            {
                if (!await chunks.MoveNext(ct)) return 0;
                _current = chunks.Current.Data.Memory;
            }
            var n = Math.Min(buffer.Length, _current.Length);
            _current[..n].CopyTo(buffer);
            _current = _current[n..];
            return n;
        }
    }
}
