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
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
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
/// It keeps the world state as an honest node would (its own store's state at start, then the honest nodes' blocks fetched
/// over <c>Peer.GetBlocks</c> and re-executed), so the state root of a forged block is the one the grant would produce.
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
    private readonly WorldState _state;
    private ulong _stateHeight;

    /// <summary>
    /// Opens a gRPC channel to each honest node; <paramref name="nodeKey"/> signs every call and message; <paramref name="state"/>
    /// is the world state after block <paramref name="stateHeight"/> (from the organisation's own store).
    /// </summary>
    public ByzantineNode(string networkId, SigningKeyPair nodeKey, SigningKeyPair organisationKey, IEnumerable<NodeRecord> honest, WorldState state, ulong stateHeight)
    {
        _networkId = networkId;
        _state = state;
        _stateHeight = stateHeight;
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
            await CatchUpAsync(height - 1, ct);
            if (_state.Root != stateRoot) throw new InvalidOperationException($"the adversary's state after block {height - 1} has root {_state.Root}, the honest nodes' {stateRoot}");
            var a = ForgedGrantBlock(height, tipHash, 0);
            var b = ForgedGrantBlock(height, tipHash, 1);
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
    /// A well-formed, correctly signed block at <paramref name="height"/> after <paramref name="tipHash"/> (the state must be
    /// caught up to the block before) holding only <see cref="ForgedGrant"/>, whose receipt says the grant was accepted and
    /// whose state root is that of the current state with the grant written into it (the grant record and the patient's
    /// current grant for the organisation, as <c>GrantAccess</c> writes them): a block that claims the access.
    /// </summary>
    public BlockValue ForgedGrantBlock(ulong height, Hash256 tipHash, int variant)
    {
        var tx = ForgedGrant ?? throw new InvalidOperationException("no forged grant set");
        var grant = (GrantAccessPayload)tx.Payload;
        var timestamp = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (ulong)variant;
        var granted = new GrantState(grant.GrantId, grant.PatientId, grant.Grantee, grant.GranteeId, grant.Categories, grant.ExpiresAt, timestamp, 0,
            new RecordProof(tx.Id, height, timestamp));
        var claimed = _state.Preview(new StateChangeSet(
        [
            new(StateKeys.Grant(grant.PatientId, grant.GrantId), granted.Encode()),
            new(Consent.CurrentGrantKey(grant.PatientId, grant.Grantee, grant.GranteeId), System.Text.Encoding.UTF8.GetBytes(grant.GrantId)),
        ])).Root;
        var txs = new List<Transaction> { tx };
        var receipts = new[] { new Receipt(tx.Id, TxVerdict.Ok, "") };
        var header = BlockHeader.Create(_networkId, height, tipHash, timestamp, txs.Count, MerkleTree.RootOfIds([tx.Id]), claimed,
            BlockBuilder.ReceiptsRoot(receipts), _nodeKey);
        return new BlockValue(new Block(header, txs), new Dictionary<Hash256, byte[]>());
    }

    // Fetches the honest nodes' blocks up to <paramref name="height"/> and re-executes them into the state, checking each root.
    private async Task CatchUpAsync(ulong height, CancellationToken ct)
    {
        while (_stateHeight < height)
        {
            var reply = await _honest[0].Client.GetBlocksAsync(new BlocksRequest { NetworkId = _networkId, From = _stateHeight + 1, Max = 64 },
                deadline: DateTime.UtcNow.Add(Deadline), cancellationToken: ct);
            if (reply.Blocks.Count == 0) throw new InvalidOperationException($"no block after {_stateHeight} from {_honest[0].Node.Id}");
            foreach (var synced in reply.Blocks)
            {
                var value = BlockValue.TryDecode(synced.Value.Span, 1 << 24, 100_000, out var error) ?? throw new InvalidOperationException(error);
                var header = value.Block.Header;
                if (header.Height != _stateHeight + 1) continue;
                var execution = BlockExecutor.Execute(_state, header.Height, header.Timestamp, value.Block.Transactions);
                _state.Apply(execution.Changes);
                if (_state.Root != header.StateRoot) throw new InvalidOperationException($"block {header.Height} re-executed to {_state.Root}, not {header.StateRoot}");
                _stateHeight = header.Height;
            }
        }
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
