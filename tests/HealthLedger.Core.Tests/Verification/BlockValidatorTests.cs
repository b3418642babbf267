using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Core.Verification;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Verification;

/// <summary>
/// One test per <see cref="BlockRefusal"/>: each builds a genuinely valid next block (block 2 of a test network, with a doctor
/// registration whose record ciphertext comes with it), breaks exactly one thing, and expects exactly that refusal.
/// </summary>
public class BlockValidatorTests
{
    private const ulong T = 1_700_000_002_000;

    /// <summary>A network at height 1 and the parts of a valid block 2.</summary>
    private sealed class Proposal : IDisposable
    {
        public Proposal()
        {
            Net.Append(T - 1000, [Net.Register("alice"), Net.Register("bob")]);
            Ciphertext = Enumerable.Range(0, 80).Select(i => (byte)(i * 7 + 3)).ToArray();
            using var doctor = TestNetwork.KeysFor("dr-who");
            var record = new SealedRecordRef(Hashing.Sha256(Ciphertext), Ciphertext.Length,
                [RecordCrypto.Wrap(new byte[32], Net.Organisation.Encryption.PublicKey, new byte[32], [])]);
            Doctor = Admin(new RegisterDoctorPayload("dr-who", TestNetwork.OrgId, doctor.Signing.PublicKey, doctor.Encryption.PublicKey, record));
            Patient = Net.Register("carol");
        }

        public TestNetwork Net { get; } = new();

        /// <summary>The record ciphertext <see cref="Doctor"/> references.</summary>
        public byte[] Ciphertext { get; }

        public Hash256 CiphertextHash => Hashing.Sha256(Ciphertext);

        /// <summary>A doctor registration carrying a record.</summary>
        public Transaction Doctor { get; }

        /// <summary>A patient registration (no record).</summary>
        public Transaction Patient { get; }

        public IReadOnlyList<Transaction> Transactions => [Doctor, Patient];

        public Dictionary<Hash256, byte[]> Ciphertexts => new() { [CiphertextHash] = Ciphertext };

        /// <summary>What an honest validator at height 1 checks block 2 against.</summary>
        public BlockContext Context => new()
        {
            NetworkId = TestNetwork.NetworkId,
            Previous = Net.Tip,
            Validators = [Net.Node.PublicKey],
            MaxTransactions = ChainPolicy.Default.MaxBlockTxs,
            LatestTimestamp = T + 60_000,
        };

        /// <summary>The block the network's node would propose.</summary>
        public BuiltBlock Build(IReadOnlyList<Transaction>? transactions = null, ulong timestamp = T, SigningKeyPair? proposer = null) =>
            BlockBuilder.Build(Net.State, TestNetwork.NetworkId, Net.Tip, timestamp, transactions ?? Transactions, proposer ?? Net.Node);

        /// <summary>The valid block with some header fields replaced, signed again by the node (a proposer that lies consistently).</summary>
        public Block Resigned(ulong? height = null, Hash256? previous = null, ulong? timestamp = null, int? txCount = null,
            Hash256? txRoot = null, Hash256? stateRoot = null, Hash256? receiptsRoot = null)
        {
            var valid = Build().Block;
            var h = valid.Header;
            var header = BlockHeader.Create(TestNetwork.NetworkId, height ?? h.Height, previous ?? h.PreviousHash, timestamp ?? h.Timestamp,
                txCount ?? h.TxCount, txRoot ?? h.TxRoot, stateRoot ?? h.StateRoot, receiptsRoot ?? h.ReceiptsRoot, Net.Node);
            return valid with { Header = header };
        }

        public BlockVerdict Validate(Block block, BlockContext? context = null, IReadOnlyDictionary<Hash256, byte[]>? ciphertexts = null,
            Func<Hash256, bool>? alreadyStored = null) =>
            BlockValidator.Validate(block, context ?? Context, Net.State, ciphertexts ?? Ciphertexts, alreadyStored);

        public Transaction Admin(TxPayload payload)
        {
            Net.UseAdminNonce(Net.AdminNonce + 1);
            return Transaction.Create(TestNetwork.NetworkId, Net.Admin.Signing, Net.AdminNonce, payload);
        }

        public void Dispose() => Net.Dispose();
    }

    private static readonly Hash256 Elsewhere = Hashing.Sha256("somewhere else"u8);

    [Fact]
    public void A_valid_block_passes_with_its_execution_and_the_ciphertexts_to_store()
    {
        using var p = new Proposal();
        var built = p.Build();
        var rootBefore = p.Net.State.Root;
        var verdict = p.Validate(built.Block);
        Assert.True(verdict.IsOk, verdict.ToString());
        Assert.Equal((BlockRefusal.None, ""), (verdict.Refusal, verdict.Reason));
        Assert.All(verdict.Execution!.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        Assert.Equal(built.Block.Header.StateRoot, verdict.Tree!.Root);
        Assert.Equal(p.Ciphertext, verdict.Ciphertexts[p.CiphertextHash]);
        Assert.Equal(rootBefore, p.Net.State.Root);
    }

    [Fact]
    public void A_valid_genesis_block_passes_against_an_empty_state()
    {
        using var net = new TestNetwork();
        var verdict = BlockValidator.Validate(net.Blocks[0].Block, new BlockContext { NetworkId = TestNetwork.NetworkId }, WorldState.Load([]), new Dictionary<Hash256, byte[]>());
        Assert.True(verdict.IsOk, verdict.ToString());
        Assert.Equal(net.Blocks[0].Block.Header.StateRoot, verdict.Tree!.Root);
    }

    [Fact]
    public void Refuses_a_block_whose_height_is_not_the_next()
    {
        using var p = new Proposal();
        var verdict = p.Validate(p.Resigned(height: p.Net.Tip.Height + 2));
        Assert.Equal(BlockRefusal.WrongHeight, verdict.Refusal);
        Assert.Contains("height 3 is not the next height 2", verdict.Reason);
    }

    [Fact]
    public void Refuses_a_block_whose_previous_hash_is_not_the_previous_blocks_hash()
    {
        using var p = new Proposal();
        Assert.Equal(BlockRefusal.WrongPreviousHash, p.Validate(p.Resigned(previous: p.Net.Blocks[0].Block.Header.Hash)).Refusal);
    }

    [Fact]
    public void Refuses_a_block_whose_timestamp_is_earlier_than_the_previous_blocks()
    {
        using var p = new Proposal();
        Assert.Equal(BlockRefusal.TimestampBeforePrevious, p.Validate(p.Resigned(timestamp: p.Net.Tip.Timestamp - 1)).Refusal);
    }

    [Fact]
    public void Refuses_a_block_whose_timestamp_is_later_than_the_latest_accepted()
    {
        using var p = new Proposal();
        var latest = p.Context.LatestTimestamp!.Value;
        Assert.True(p.Validate(p.Build(timestamp: latest).Block).IsOk);
        Assert.Equal(BlockRefusal.TimestampTooFarAhead, p.Validate(p.Build(timestamp: latest + 1).Block).Refusal);
    }

    [Fact]
    public void Refuses_a_block_whose_header_counts_other_transactions_than_it_holds()
    {
        using var p = new Proposal();
        Assert.Equal(BlockRefusal.TxCountMismatch, p.Validate(p.Resigned(txCount: 3)).Refusal);
    }

    [Fact]
    public void Refuses_a_block_with_more_transactions_than_the_policy_allows()
    {
        using var p = new Proposal();
        Assert.Equal(BlockRefusal.TooManyTransactions, p.Validate(p.Build().Block, p.Context with { MaxTransactions = 1 }).Refusal);
    }

    [Fact]
    public void Refuses_a_transaction_that_does_not_decode()
    {
        using var p = new Proposal();
        var verdict = BlockValidator.DecodeTransaction(p.Patient.Encoded.Span[..^1], ChainPolicy.Default.MaxTxBytes, 1, out var tx);
        Assert.Null(tx);
        Assert.Equal((BlockRefusal.UndecodableTransaction, 1), (verdict.Refusal, verdict.TxIndex));
        Assert.StartsWith("transaction 1 does not decode", verdict.Reason);
        Assert.True(BlockValidator.DecodeTransaction(p.Patient.Encoded.Span, ChainPolicy.Default.MaxTxBytes, 1, out _).IsOk);
    }

    [Fact]
    public void Refuses_a_first_block_that_holds_no_genesis_transaction()
    {
        using var p = new Proposal();
        var empty = WorldState.Load([]);
        var block = BlockBuilder.Build(empty, TestNetwork.NetworkId, null, T, [p.Patient], p.Net.Node).Block;
        var verdict = BlockValidator.Validate(block, new BlockContext { NetworkId = TestNetwork.NetworkId }, empty);
        Assert.Equal(BlockRefusal.NotGenesis, verdict.Refusal);
    }

    [Fact]
    public void Refuses_a_genesis_block_of_another_network()
    {
        using var net = new TestNetwork();
        var verdict = BlockValidator.Validate(net.Blocks[0].Block, new BlockContext { NetworkId = "other-net" }, WorldState.Load([]));
        Assert.Equal(BlockRefusal.NotGenesis, verdict.Refusal);
        Assert.Contains("'other-net'", verdict.Reason);
    }

    [Fact]
    public void Refuses_a_block_after_genesis_that_holds_a_genesis_transaction()
    {
        using var p = new Proposal();
        var genesis = Transaction.Create(TestNetwork.NetworkId, p.Net.Organisation.Signing, 1, p.Net.GenesisPayload());
        var verdict = p.Validate(p.Build([p.Patient, genesis]).Block);
        Assert.Equal((BlockRefusal.GenesisOutOfPlace, 1), (verdict.Refusal, verdict.TxIndex));
    }

    [Fact]
    public void Refuses_a_block_whose_proposer_is_not_a_validator()
    {
        using var p = new Proposal();
        using var stranger = SigningKeyPair.FromSeed(new byte[32]);
        var verdict = p.Validate(p.Build(proposer: stranger).Block);
        Assert.Equal(BlockRefusal.UnknownProposer, verdict.Refusal);
        Assert.Contains("is not a node of this network", verdict.Reason);
    }

    [Fact]
    public void Refuses_a_block_proposed_by_a_node_that_is_not_in_the_current_validator_set()
    {
        using var p = new Proposal();
        using var other = SigningKeyPair.FromSeed(TestNetwork.Seed(9, 32));
        Assert.Equal(BlockRefusal.UnknownProposer, p.Validate(p.Build().Block, p.Context with { Validators = [other.PublicKey] }).Refusal);
    }

    [Fact]
    public void Refuses_a_block_whose_proposer_signature_does_not_verify()
    {
        using var p = new Proposal();
        var valid = p.Build().Block;
        var h = valid.Header;
        // Signed by the right node, but for another network: the signature does not verify on this one.
        var foreign = BlockHeader.Create("other-net", h.Height, h.PreviousHash, h.Timestamp, h.TxCount, h.TxRoot, h.StateRoot, h.ReceiptsRoot, p.Net.Node);
        Assert.Equal(BlockRefusal.BadProposerSignature, p.Validate(valid with { Header = foreign }).Refusal);
    }

    [Fact]
    public void Refuses_a_block_whose_transaction_root_does_not_match_its_transactions()
    {
        using var p = new Proposal();
        Assert.Equal(BlockRefusal.TxRootMismatch, p.Validate(p.Resigned(txRoot: Elsewhere)).Refusal);
    }

    [Fact]
    public void Refuses_a_block_holding_a_transaction_with_a_tampered_byte()
    {
        using var p = new Proposal();
        var bytes = p.Patient.Encoded.ToArray();
        bytes[^5] ^= 0x01; // inside the signature: it still decodes
        Assert.True(Transaction.TryDecode(bytes, ChainPolicy.Default.MaxTxBytes, out var tampered).IsOk);
        // The proposer builds and signs the block over the tampered transaction: roots and proposer signature agree.
        var verdict = p.Validate(p.Build([p.Doctor, tampered!]).Block);
        Assert.Equal((BlockRefusal.BadTransactionSignature, 1), (verdict.Refusal, verdict.TxIndex));
    }

    [Fact]
    public void Reports_the_lowest_bad_transaction_whatever_the_signature_check()
    {
        using var p = new Proposal();
        var bytes = p.Doctor.Encoded.ToArray();
        bytes[^1] ^= 0x80;
        Transaction.TryDecode(bytes, ChainPolicy.Default.MaxTxBytes, out var tampered);
        var block = p.Build([tampered!, p.Patient]).Block;
        Assert.Equal(0, p.Validate(block).TxIndex);
        Assert.Equal(0, p.Validate(block, p.Context with { SignatureCheck = BlockValidator.FirstBadSignature }).TxIndex);
    }

    [Fact]
    public void Refuses_a_genesis_block_whose_transaction_re_executes_as_rejected()
    {
        using var net = new TestNetwork();
        var empty = WorldState.Load([]);
        var badNonce = Transaction.Create(TestNetwork.NetworkId, net.Organisation.Signing, 2, net.GenesisPayload());
        var block = BlockBuilder.Build(empty, TestNetwork.NetworkId, null, T, [badNonce], net.Node).Block;
        var verdict = BlockValidator.Validate(block, new BlockContext { NetworkId = TestNetwork.NetworkId }, empty);
        Assert.Equal(BlockRefusal.GenesisRejected, verdict.Refusal);
        Assert.Contains("BadNonce", verdict.Reason);
    }

    [Fact]
    public void Refuses_a_block_whose_state_root_differs_from_re_execution()
    {
        using var p = new Proposal();
        var verdict = p.Validate(p.Resigned(stateRoot: Elsewhere));
        Assert.Equal(BlockRefusal.StateRootMismatch, verdict.Refusal);
        Assert.NotNull(verdict.Execution); // a verifier names the first receipt that differs from it
    }

    [Fact]
    public void Refuses_a_block_whose_receipts_root_differs_from_re_execution()
    {
        using var p = new Proposal();
        Assert.Equal(BlockRefusal.ReceiptsRootMismatch, p.Validate(p.Resigned(receiptsRoot: Elsewhere)).Refusal);
    }

    [Fact]
    public void Refuses_a_block_that_carries_a_ciphertext_no_transaction_references()
    {
        using var p = new Proposal();
        var carried = p.Ciphertexts;
        carried[Hashing.Sha256("extra"u8)] = "extra"u8.ToArray();
        Assert.Equal(BlockRefusal.UnreferencedCiphertext, p.Validate(p.Build().Block, ciphertexts: carried).Refusal);
    }

    [Fact]
    public void Refuses_a_block_that_carries_an_altered_ciphertext()
    {
        using var p = new Proposal();
        var altered = p.Ciphertext.ToArray();
        altered[10] ^= 0x01;
        var verdict = p.Validate(p.Build().Block, ciphertexts: new Dictionary<Hash256, byte[]> { [p.CiphertextHash] = altered });
        Assert.Equal((BlockRefusal.CiphertextMismatch, 0), (verdict.Refusal, verdict.TxIndex));
    }

    [Fact]
    public void Refuses_a_block_whose_accepted_transaction_has_its_ciphertext_neither_carried_nor_stored()
    {
        using var p = new Proposal();
        var block = p.Build().Block;
        var verdict = p.Validate(block, ciphertexts: new Dictionary<Hash256, byte[]>(), alreadyStored: _ => false);
        Assert.Equal((BlockRefusal.CiphertextMissing, 0), (verdict.Refusal, verdict.TxIndex));
        // Held here already (the node received it with the transaction), it need not come with the block.
        Assert.True(p.Validate(block, ciphertexts: new Dictionary<Hash256, byte[]>(), alreadyStored: h => h == p.CiphertextHash).IsOk);
    }

    [Fact]
    public void Does_not_ask_for_the_ciphertext_of_a_rejected_transaction()
    {
        using var p = new Proposal();
        using var doctor = TestNetwork.KeysFor("dr-who");
        var unseen = new SealedRecordRef(Hashing.Sha256("never sent"u8), 10, [RecordCrypto.Wrap(new byte[32], p.Net.Organisation.Encryption.PublicKey, new byte[32], [])]);
        var duplicate = p.Admin(new RegisterDoctorPayload("dr-who", TestNetwork.OrgId, doctor.Signing.PublicKey, doctor.Encryption.PublicKey, unseen));
        var verdict = p.Validate(p.Build([p.Doctor, duplicate]).Block);
        Assert.True(verdict.IsOk, verdict.ToString());
        Assert.Equal(TxVerdict.AlreadyExists, verdict.Execution!.Receipts[1].Verdict);
        Assert.False(verdict.Ciphertexts.ContainsKey(unseen.CiphertextHash));
    }

    [Fact]
    public void Requires_the_validator_set_when_it_checks_a_block_fully()
    {
        using var p = new Proposal();
        Assert.Throws<ArgumentException>(() => p.Validate(p.Build().Block, p.Context with { Validators = null }));
        // The start-up quick check (no signatures, no re-execution) has no set per height and checks the proposer's signature only.
        var quick = BlockValidator.Validate(p.Build().Block, p.Context with { Validators = null, VerifyTransactionSignatures = false }, state: null);
        Assert.True(quick.IsOk, quick.ToString());
        Assert.Null(quick.Execution);
    }
}
