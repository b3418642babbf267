using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using HealthLedger.Consensus;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Merkle;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Node.Network;
using HealthLedger.Node.Network.Grpc;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// A Byzantine organisation's node, driven by a test: it holds that organisation's node key and organisation key (from its
/// own data folder) and talks to the honest nodes over the real peer protocol — the signed gRPC handshake
/// (<see cref="PeerCallSigner"/>) and <c>Peer.Deliver</c> batches of <see cref="ConsensusMessage"/>s — with nothing but the
/// node's public types. What it sends is chosen per height and round (<see cref="ActAsync"/>): two different proposals and
/// two different prevotes and precommits, one to each half of the honest nodes and both to the last (equivocation); votes
/// claiming the honest nodes' identities, signed with its own key or with random bytes (forgery); as the proposer, blocks
/// that grant its organisation access a patient never gave (<see cref="ForgedGrantBlock"/>); or nothing (withholding).
/// </summary>
internal sealed class ByzantineNode : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private readonly string _networkId;
    private readonly SigningKeyPair _nodeKey;
    private readonly SigningKeyPair _organisationKey;
    private readonly List<(NodeRecord Node, GrpcChannel Channel, Peer.PeerClient Client)> _honest = [];
    private readonly HashSet<(ulong Height, int Round)> _acted = [];
    private readonly Random _random = new(13);

    /// <summary>Opens a gRPC channel to each honest node; <paramref name="nodeKey"/> signs every call and message.</summary>
    public ByzantineNode(string networkId, SigningKeyPair nodeKey, SigningKeyPair organisationKey, IEnumerable<NodeRecord> honest)
    {
        _networkId = networkId;
        _nodeKey = nodeKey;
        _organisationKey = organisationKey;
        foreach (var node in honest)
        {
            var channel = GrpcChannel.ForAddress(node.Address, new GrpcChannelOptions { MaxSendMessageSize = PeerLink.MaxMessageBytes });
            _honest.Add((node, channel, new Peer.PeerClient(channel.Intercept(new PeerCallSigner(networkId, nodeKey, TimeProvider.System)))));
        }
    }

    /// <summary>What the node does at each height and round.</summary>
    public ByzantineMode Mode { get; set; } = ByzantineMode.Withhold;

    /// <summary>The forged grant it puts in every block it proposes (a transaction signed by its organisation key).</summary>
    public Transaction? ForgedGrant { get; set; }

    /// <summary>Heights and rounds at which it signed two different messages of one type.</summary>
    public int Equivocations { get; private set; }

    /// <summary>Votes it sent in an honest node's name.</summary>
    public int Forgeries { get; private set; }

    /// <summary>Proposals it made of a block holding <see cref="ForgedGrant"/>.</summary>
    public int ForgedGrantProposals { get; private set; }

    /// <summary>Messages it would have sent while withholding (one per height and round seen).</summary>
    public int Withheld { get; private set; }

    /// <summary>Every block hash it proposed (none may ever be committed).</summary>
    public HashSet<Hash256> ProposedBlocks { get; } = [];

    /// <summary>
    /// Acts once at the height and round the honest nodes are at (<paramref name="height"/>, <paramref name="round"/>, whose
    /// proposer is <paramref name="leader"/>, after the block <paramref name="tipHash"/> with <paramref name="stateRoot"/>).
    /// </summary>
    public async Task ActAsync(ulong height, int round, bool leader, Hash256 tipHash, Hash256 stateRoot, CancellationToken ct)
    {
        if (!_acted.Add((height, round))) return;
        if (Mode == ByzantineMode.Withhold)
        {
            Withheld++;
            return;
        }
        Hash256 first = Random32(), second = Hash256.Zero;
        var toFirst = new List<ConsensusMessage>();
        var toSecond = new List<ConsensusMessage>();
        if (leader && ForgedGrant is not null)
        {
            // Two different blocks granting the organisation access, each a correctly signed proposal for this height and round.
            var a = ForgedGrantBlock(height, tipHash, stateRoot, 0);
            var b = ForgedGrantBlock(height, tipHash, stateRoot, 1);
            (first, second) = (a.Block.Header.Hash, b.Block.Header.Hash);
            toFirst.Add(Sign(MessageType.Proposal, height, round, first, a.Encode()));
            toSecond.Add(Sign(MessageType.Proposal, height, round, second, b.Encode()));
            ProposedBlocks.Add(first);
            ProposedBlocks.Add(second);
            ForgedGrantProposals++;
        }
        foreach (var type in new[] { MessageType.Prevote, MessageType.Precommit })
        {
            toFirst.Add(Sign(type, height, round, first));
            toSecond.Add(Sign(type, height, round, second));
        }
        Equivocations++;
        // Votes in the honest nodes' names: signed with this node's key, and with 64 random bytes.
        var forged = new List<ConsensusMessage>();
        foreach (var (victim, _, _) in _honest)
        {
            var vote = Sign(MessageType.Prevote, height, round, first);
            forged.Add(vote with { Sender = victim.SigningKey });
            forged.Add(Sign(MessageType.Precommit, height, round, first) with { Sender = victim.SigningKey, Signature = new Signature64(RandomBytes(64)) });
            Forgeries += 2;
        }
        // One half gets the first message of each pair, the other half the second, the last honest node both.
        var sends = _honest.Select((h, i) => Send(h.Client, [.. i == _honest.Count - 1 ? toFirst.Concat(toSecond) : i % 2 == 0 ? toFirst : toSecond, .. forged], ct));
        await Task.WhenAll(sends);
    }

    /// <summary>
    /// A well-formed, correctly signed block at <paramref name="height"/> after <paramref name="tipHash"/> holding only
    /// <see cref="ForgedGrant"/>, whose receipt says the grant was accepted and whose state root is <paramref name="claimedRoot"/>
    /// (the state before it: a state root that, with an accepted grant, no honest re-execution reproduces).
    /// </summary>
    public BlockValue ForgedGrantBlock(ulong height, Hash256 tipHash, Hash256 claimedRoot, int variant)
    {
        var tx = ForgedGrant ?? throw new InvalidOperationException("no forged grant set");
        var txs = new List<Transaction> { tx };
        var receipts = new[] { new Receipt(tx.Id, TxVerdict.Ok, "") };
        var timestamp = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (ulong)variant;
        var header = BlockHeader.Create(_networkId, height, tipHash, timestamp, txs.Count, MerkleTree.RootOfIds([tx.Id]), claimedRoot,
            BlockBuilder.ReceiptsRoot(receipts), _nodeKey);
        return new BlockValue(new Block(header, txs), new Dictionary<Hash256, byte[]>());
    }

    /// <summary>The organisation key's public half (the forged grant's signer).</summary>
    public SigningPublicKey OrganisationKey => _organisationKey.PublicKey;

    private ConsensusMessage Sign(MessageType type, ulong height, int round, Hash256 value, byte[]? block = null) =>
        ConsensusMessage.Create(_networkId, _nodeKey, type, height, round, value, -1, block);

    private async Task Send(Peer.PeerClient client, IEnumerable<ConsensusMessage> messages, CancellationToken ct)
    {
        var batch = new ConsensusBatch { NetworkId = _networkId };
        foreach (var m in messages) batch.Messages.Add(ByteString.CopyFrom(m.Encode()));
        try
        {
            await client.DeliverAsync(batch, deadline: DateTime.UtcNow.Add(Deadline), cancellationToken: ct);
        }
        catch (RpcException)
        {
            // An honest node that does not answer is no reason for a Byzantine one to stop.
        }
    }

    private Hash256 Random32() => new(RandomBytes(32));

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    public void Dispose()
    {
        foreach (var (_, channel, _) in _honest) channel.Dispose();
    }
}

/// <summary>What a <see cref="ByzantineNode"/> does.</summary>
internal enum ByzantineMode
{
    /// <summary>Sends nothing at all.</summary>
    Withhold,
    /// <summary>Equivocates, forges votes in the honest nodes' names and, as the proposer, proposes forged grants.</summary>
    Attack,
}
