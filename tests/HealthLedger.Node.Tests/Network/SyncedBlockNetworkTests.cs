using HealthLedger.Consensus;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Network;

/// <summary>
/// What a node accepts from a peer's block sync (<see cref="LedgerNode.ValidateSynced"/>, the check ConsensusHost applies to
/// every fetched block) and from its own store at start-up, when the peer or the disk lies. Each refusal has its test.
/// </summary>
public sealed class SyncedBlockNetworkTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly LedgerNode _node;
    private readonly SigningKeyPair _stranger = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)66, 32).ToArray());

    public SyncedBlockNetworkTests()
    {
        NodeFixture.Initialise(_folder.Combine("data"));
        _node = LedgerNode.Open(new NodeOptions { DataDirectory = _folder.Combine("data") });
        Now = _node.Tip.Timestamp + 1000;
    }

    // A second after genesis: blocks built at Now and Now + 1 differ only in their timestamps.
    private ulong Now { get; }

    public void Dispose()
    {
        _node.Dispose();
        _stranger.Dispose();
        _folder.Dispose();
    }

    private static BlockValue Value(Block block) => new(block, new Dictionary<Hash256, byte[]>());

    private byte[] Certificate(Hash256 block, SigningKeyPair? signer = null, ulong height = 1) =>
        CommitCertificate.Encode([ConsensusMessage.Create(_node.Network.NetworkId, signer ?? _node.NodeKey, MessageType.Precommit, height, 0, block, -1, null)]);

    private Block Genuine(ulong timestamp) => _node.Build(timestamp, 10).Built.Block;

    [Fact]
    public void A_block_with_a_quorum_certificate_that_re_executes_to_its_roots_is_accepted()
    {
        var block = Genuine(Now);
        Assert.NotNull(_node.ValidateSynced(Value(block), Certificate(block.Header.Hash), Now, out var error));
        Assert.Null(error);
    }

    [Fact]
    public void A_forged_block_carrying_the_genuine_blocks_certificate_is_refused()
    {
        var genuine = Genuine(Now);
        var forged = Genuine(Now + 1); // a valid block in itself, but not the one decided
        Assert.Null(_node.ValidateSynced(Value(forged), Certificate(genuine.Header.Hash), Now + 1, out var error));
        Assert.Equal("the commit certificate holds a precommit for another block", error);
    }

    [Fact]
    public void A_certificate_signed_by_a_key_that_is_not_a_validator_is_refused()
    {
        var block = Genuine(Now);
        Assert.Null(_node.ValidateSynced(Value(block), Certificate(block.Header.Hash, _stranger), Now, out var error));
        Assert.Contains("which is not a validator", error);
    }

    [Fact]
    public void A_certificate_for_another_height_is_refused()
    {
        var block = Genuine(Now);
        Assert.Null(_node.ValidateSynced(Value(block), Certificate(block.Header.Hash, height: 2), Now, out var error));
        Assert.Equal("the commit certificate holds a precommit for height 2, not 1", error);
    }

    [Fact]
    public void An_empty_or_damaged_certificate_is_refused()
    {
        var block = Genuine(Now);
        Assert.Null(_node.ValidateSynced(Value(block), CommitCertificate.Encode([]), Now, out var error));
        Assert.Equal("the commit certificate has 0 validators' precommits; 1 are needed", error);
        Assert.Null(_node.ValidateSynced(Value(block), [1, 5], Now, out error));
        Assert.Equal("the commit certificate does not decode", error);
    }

    [Fact]
    public void A_block_whose_re_execution_gives_another_state_root_is_refused_even_with_a_valid_certificate()
    {
        var genuine = Genuine(Now).Header;
        var header = BlockHeader.Create(_node.Network.NetworkId, 1, _node.Tip.Hash, Now, 0, genuine.TxRoot, Hashing.Sha256([1]), genuine.ReceiptsRoot, _node.NodeKey);
        var lying = new Block(header, []);
        Assert.Null(CommitCertificate.Check(Certificate(header.Hash), _node.Network.NetworkId, 1, header.Hash, [_node.NodeKey.PublicKey]));
        Assert.Null(_node.ValidateSynced(Value(lying), Certificate(header.Hash), Now, out var error));
        Assert.Contains("state root", error);
    }

    [Fact]
    public void Start_up_refuses_a_stored_block_re_signed_by_a_key_that_is_not_a_validator()
    {
        var built = BlockBuilder.Build(WorldState.Load(_node.Store.ReadState()), _node.Network.NetworkId, _node.Tip, Now, [], _stranger);
        _node.Store.Commit(built.Block, built.Execution.Receipts, built.Execution.Changes);
        _node.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var e = Assert.Throws<LedgerIntegrityException>(() => LedgerNode.Open(new NodeOptions { DataDirectory = _folder.Combine("data") }));
        Assert.Contains("is not a node of this network", e.Message);
    }
}
