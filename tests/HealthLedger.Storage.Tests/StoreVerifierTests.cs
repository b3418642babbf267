using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage.Tests;

/// <summary>Tamper detection on real SQLite files: one flipped byte anywhere is found and named.</summary>
public class StoreVerifierTests
{
    [Fact]
    public void An_untouched_ledger_verifies_with_its_counts_and_root()
    {
        using var fx = new LedgerFixture();
        var report = StoreVerifier.Verify(fx.Path);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.Equal((4UL, 16UL, fx.Net.State.Root.ToString()), (report.Blocks, report.Transactions, report.StateRoot));
    }

    public static TheoryData<string, string, string, int, ulong?, int?, string?> Tampering()
    {
        var data = new TheoryData<string, string, string, int, ulong?, int?, string?>();
        foreach (var position in new[] { 0, 7, 40, -1 })
        {
            data.Add("blocks", "header", "height = 2", position, 2, null, null);
            data.Add("transactions", "body", "height = 3 AND idx = 1", position, 3, 1, null);
            data.Add("receipts", "body", "height = 1 AND idx = 4", position, 1, 4, null);
        }
        foreach (var position in new[] { 0, 20, -1 })
        {
            data.Add("blocks", "hash", "height = 1", position, 1, null, null);
            data.Add("transactions", "tx_id", "height = 2 AND idx = 0", position, 2, 0, null);
            data.Add("state", "value", "key = 'user/user-2-3'", position, null, null, "user/user-2-3");
        }
        data.Add("blocks", "header", "height = 0", 3, 0, null, null);
        data.Add("transactions", "body", "height = 0 AND idx = 0", 60, 0, 0, null);
        data.Add("state", "value", "key = 'network'", 2, null, null, "network");
        return data;
    }

    [Theory]
    [MemberData(nameof(Tampering))]
    public void A_flipped_byte_is_named(string table, string column, string where, int position, ulong? height, int? index, string? stateKey)
    {
        using var fx = new LedgerFixture();
        fx.FlipByte(table, column, where, position);
        var report = StoreVerifier.Verify(fx.Path);
        Assert.False(report.Ok);
        Assert.Equal(height, report.Issue!.Height);
        Assert.Equal(index, report.Issue.TxIndex);
        Assert.Equal(stateKey, report.Issue.StateKey);
    }

    // Break-it (2026-12-06, fifth session): a byte flipped in the transaction-id index passed verify (every block, receipt and
    // state entry re-derived), and the node then answered 404 for a committed transaction. Full verify now asks SQLite to check
    // the transactions table against its index.
    [Fact]
    public void A_flipped_byte_in_the_transaction_id_index_is_named_by_full_verify()
    {
        using var fx = new LedgerFixture();
        Assert.True(StoreVerifier.Verify(fx.Path).Ok);
        long page, pageSize;
        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection($"Data Source={fx.Path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)"; // every page in ledger.db itself, where the flip below lands
            command.ExecuteNonQuery();
            command.CommandText = "SELECT rootpage FROM sqlite_master WHERE name = 'transactions_by_id'";
            page = (long)command.ExecuteScalar()!;
            command.CommandText = "PRAGMA page_size";
            pageSize = (long)command.ExecuteScalar()!;
        }
        // The index's entries are few here: its root page is its only page, and its cells end at the page's end.
        using (var file = new FileStream(fx.Path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = page * pageSize - 3; // inside the last cell: the entry's height or index
            var b = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(b ^ 0x01));
        }
        var report = StoreVerifier.Verify(fx.Path);
        Assert.False(report.Ok);
        Assert.StartsWith("the ledger file's transactions table or its transaction-id index (transactions_by_id) is damaged (SQLite's integrity_check: ", report.Issue!.Message, StringComparison.Ordinal);
        Assert.Contains("REINDEX transactions_by_id", report.Issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_renamed_state_key_is_named_as_missing_or_extra()
    {
        using var fx = new LedgerFixture();
        fx.Sql("UPDATE state SET key = 'user/user-1-0x' WHERE key = 'user/user-1-0'");
        var report = StoreVerifier.Verify(fx.Path);
        Assert.StartsWith("user/user-1-0", report.Issue!.StateKey);
    }

    [Fact]
    public void Deleted_and_smuggled_rows_are_found()
    {
        using (var fx = new LedgerFixture())
        {
            fx.Sql("DELETE FROM transactions WHERE height = 2 AND idx = 4");
            Assert.Equal(2UL, StoreVerifier.Verify(fx.Path).Issue!.Height);
        }
        using (var fx = new LedgerFixture())
        {
            fx.Sql("INSERT INTO receipts(height, idx, body) VALUES (77, 0, x'00')");
            Assert.Contains("belong to no block", StoreVerifier.Verify(fx.Path).Issue!.Message);
        }
        using (var fx = new LedgerFixture())
        {
            fx.Sql("DELETE FROM blocks WHERE height = 3");
            Assert.False(StoreVerifier.Verify(fx.Path).Ok);
        }
    }

    private static VerifyReport Run(string path, VerifyMode mode)
    {
        using var store = SqliteLedgerStore.Open(path, create: false);
        return StoreVerifier.Verify(store, mode);
    }

    /// <summary>Genesis, then one block built by <paramref name="proposer"/> over <paramref name="transactions"/>, committed as a node would.</summary>
    private static void Write(string path, TestNetwork net, IReadOnlyList<Transaction> transactions, SigningKeyPair proposer)
    {
        using var store = SqliteLedgerStore.Open(path, create: true);
        store.Commit(net.Blocks[0].Block, net.Blocks[0].Execution.Receipts, net.Blocks[0].Execution.Changes);
        var built = BlockBuilder.Build(net.State, TestNetwork.NetworkId, net.Tip, 1_700_000_001_000, transactions, proposer);
        store.Commit(built.Block, built.Execution.Receipts, built.Execution.Changes);
    }

    [Fact]
    public void Quick_mode_passes_an_untouched_ledger_and_hands_over_its_state_network_and_tip()
    {
        using var fx = new LedgerFixture();
        var report = Run(fx.Path, VerifyMode.Quick);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.Equal((4UL, 16UL, fx.Net.State.Root), (report.Blocks, report.Transactions, report.State!.Root));
        Assert.Equal((TestNetwork.NetworkId, fx.Net.Tip.Hash), (report.Network!.NetworkId, report.Tip!.Hash));
    }

    [Fact]
    public void Quick_mode_names_a_flipped_byte_with_the_same_block_as_full_mode()
    {
        using var fx = new LedgerFixture();
        fx.FlipByte("transactions", "body", "height = 3 AND idx = 1", 7);
        var quick = Run(fx.Path, VerifyMode.Quick);
        var full = Run(fx.Path, VerifyMode.Full);
        Assert.Equal((3UL, 1), (quick.Issue!.Height, quick.Issue.TxIndex));
        Assert.Equal((3UL, 1), (full.Issue!.Height, full.Issue.TxIndex));
    }

    [Fact]
    public void Only_full_mode_finds_a_transaction_whose_signature_does_not_verify()
    {
        using var folder = new TempDirectory();
        using var net = new TestNetwork();
        var bytes = net.Register("mallory").Encoded.ToArray();
        bytes[^3] ^= 0x10; // in the signature: the proposer signed a block over a transaction its signer never signed
        Assert.True(Transaction.TryDecode(bytes, ChainPolicy.Default.MaxTxBytes, out var forged).IsOk);
        var path = folder.Combine(SqliteLedgerStore.FileName);
        Write(path, net, [net.Register("alice"), forged!], net.Node);

        Assert.True(Run(path, VerifyMode.Quick).Ok); // ids and roots bind the bytes; signatures are for verify
        var full = Run(path, VerifyMode.Full);
        Assert.Equal((1UL, 1), (full.Issue!.Height, full.Issue.TxIndex));
        Assert.Contains("bad signature", full.Issue.Message);
    }

    [Fact]
    public void Full_mode_names_the_first_forged_signature_of_a_large_block_whose_signatures_are_verified_ahead_in_parallel()
    {
        using var folder = new TempDirectory();
        using var net = new TestNetwork();
        // Enough transactions for the parallel lookahead (SignatureLookahead, ParallelSignatures); two forged, the lower one is named.
        var transactions = Enumerable.Range(0, 40).Select(i => net.Register($"user-{i}")).ToList();
        foreach (var index in new[] { 29, 17 })
        {
            var bytes = transactions[index].Encoded.ToArray();
            bytes[^5] ^= 0x01;
            Assert.True(Transaction.TryDecode(bytes, ChainPolicy.Default.MaxTxBytes, out var forged).IsOk);
            transactions[index] = forged!;
        }
        var path = folder.Combine(SqliteLedgerStore.FileName);
        Write(path, net, transactions, net.Node);

        var full = Run(path, VerifyMode.Full);
        Assert.Equal((1UL, 17), (full.Issue!.Height, full.Issue.TxIndex));
        Assert.Contains("bad signature", full.Issue.Message);
    }

    [Fact]
    public void Full_mode_passes_a_large_block_whose_signatures_are_all_good()
    {
        using var folder = new TempDirectory();
        using var net = new TestNetwork();
        var path = folder.Combine(SqliteLedgerStore.FileName);
        Write(path, net, Enumerable.Range(0, 40).Select(i => net.Register($"user-{i}")).ToList(), net.Node);

        var full = Run(path, VerifyMode.Full);
        Assert.True(full.Ok, full.Issue?.ToString());
        Assert.Equal((2UL, 41UL), (full.Blocks, full.Transactions));
    }

    [Fact]
    public void Both_modes_refuse_a_chain_re_signed_by_a_key_that_is_not_a_validator()
    {
        using var folder = new TempDirectory();
        using var net = new TestNetwork();
        using var stranger = SigningKeyPair.FromSeed(new byte[32]);
        var path = folder.Combine(SqliteLedgerStore.FileName);
        Write(path, net, [net.Register("alice")], stranger);

        // Start-up (quick) knows no per-height set without re-execution, but the stranger was never made a validator.
        var quick = Run(path, VerifyMode.Quick);
        Assert.Equal(1UL, quick.Issue!.Height);
        Assert.Contains("is not a node of this network", quick.Issue.Message);
        var full = Run(path, VerifyMode.Full);
        Assert.Equal(1UL, full.Issue!.Height);
        Assert.Contains("is not a node of this network", full.Issue.Message);
    }

    [Fact]
    public void Quick_mode_accepts_a_block_proposed_by_a_node_that_an_earlier_block_added()
    {
        using var folder = new TempDirectory();
        using var net = new TestNetwork();
        using var added = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)5, 32).ToArray());
        var path = folder.Combine(SqliteLedgerStore.FileName);
        var node = new NodeRecord("test-node-2", TestNetwork.OrgId, added.PublicKey, "http://127.0.0.1:1");
        var addTx = Transaction.Create(TestNetwork.NetworkId, net.Admin.Signing, net.AdminNonce + 1, new ConfigureNodesPayload(NodeChange.Add, node));
        net.UseAdminNonce(net.AdminNonce + 1);
        using (var store = SqliteLedgerStore.Open(path, create: true))
        {
            store.Commit(net.Blocks[0].Block, net.Blocks[0].Execution.Receipts, net.Blocks[0].Execution.Changes);
            var first = net.Append(1_700_000_001_000, [addTx]);
            Assert.Equal(TxVerdict.Ok, first.Execution.Receipts[0].Verdict);
            store.Commit(first.Block, first.Execution.Receipts, first.Execution.Changes);
            var second = BlockBuilder.Build(net.State, TestNetwork.NetworkId, net.Tip, 1_700_000_002_000, [net.Register("bob")], added);
            store.Commit(second.Block, second.Execution.Receipts, second.Execution.Changes);
        }
        SqliteConnection.ClearAllPools();
        var quick = Run(path, VerifyMode.Quick);
        Assert.True(quick.Ok, quick.Issue?.ToString());
    }

    [Fact]
    public void Both_modes_accept_a_block_proposed_by_the_node_of_an_organisation_admitted_by_proposal()
    {
        using var folder = new TempDirectory();
        using var net = new TestNetwork();
        using var lab = TestNetwork.Keys(90);
        using var labAdmin = TestNetwork.Keys(91);
        using var labNode = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)6, 32).ToArray());
        var path = folder.Combine(SqliteLedgerStore.FileName);
        var join = new Core.Governance.AddOrganisationAction(
            new OrganisationRecord("city-lab", "City Lab", lab.Signing.PublicKey, lab.Encryption.PublicKey, OrganisationType.Laboratory),
            "lab-admin", labAdmin.Signing.PublicKey, labAdmin.Encryption.PublicKey, [new NodeRecord("city-lab-node-1", "city-lab", labNode.PublicKey, "http://127.0.0.1:1")]);
        var proposeTx = Transaction.Create(TestNetwork.NetworkId, net.Admin.Signing, net.AdminNonce + 1, new ProposePayload("join-city-lab", join));
        net.UseAdminNonce(net.AdminNonce + 1);
        using (var store = SqliteLedgerStore.Open(path, create: true))
        {
            store.Commit(net.Blocks[0].Block, net.Blocks[0].Execution.Receipts, net.Blocks[0].Execution.Changes);
            var first = net.Append(1_700_000_001_000, [proposeTx]); // one active organisation: its approval alone applies it
            Assert.Equal(TxVerdict.Ok, first.Execution.Receipts[0].Verdict);
            store.Commit(first.Block, first.Execution.Receipts, first.Execution.Changes);
            var second = BlockBuilder.Build(net.State, TestNetwork.NetworkId, net.Tip, 1_700_000_002_000, [net.Register("bob")], labNode);
            store.Commit(second.Block, second.Execution.Receipts, second.Execution.Changes);
        }
        SqliteConnection.ClearAllPools();
        var quick = Run(path, VerifyMode.Quick);
        Assert.True(quick.Ok, quick.Issue?.ToString());
        var full = Run(path, VerifyMode.Full);
        Assert.True(full.Ok, full.Issue?.ToString());
    }

    [Fact]
    public void Quick_mode_leaves_an_unreferenced_document_to_the_caller_while_full_mode_names_it()
    {
        using var fx = new LedgerFixture();
        var stray = Hashing.Sha256("an upload whose commit never happened"u8);
        var file = new DocumentStore(fx.Folder.Combine(DocumentStore.FolderName)).PathOf(stray);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, [1, 2, 3]);

        var quick = Run(fx.Path, VerifyMode.Quick);
        Assert.True(quick.Ok, quick.Issue?.ToString());
        Assert.DoesNotContain(stray, quick.ReferencedDocuments);
        Assert.Contains("no transaction references it", Run(fx.Path, VerifyMode.Full).Issue!.Message);
    }

    [Fact]
    public void Quick_mode_compares_the_stored_state_with_the_tips_state_root_and_full_mode_names_the_entry()
    {
        using var fx = new LedgerFixture();
        fx.FlipByte("state", "value", "key = 'user/user-2-3'", 5);
        var quick = Run(fx.Path, VerifyMode.Quick);
        Assert.Equal(3UL, quick.Issue!.Height);
        Assert.Contains("stored world state", quick.Issue.Message);
        Assert.Equal("user/user-2-3", Run(fx.Path, VerifyMode.Full).Issue!.StateKey);
    }

    [Fact]
    public void An_edited_state_height_is_named_exactly_by_full_mode_and_by_quick_mode_when_it_lies_after_the_tip()
    {
        using var fx = new LedgerFixture();
        fx.Sql("UPDATE state SET height = 1 WHERE key = 'user/user-2-3'");
        var full = Run(fx.Path, VerifyMode.Full);
        Assert.Equal("user/user-2-3", full.Issue!.StateKey);
        Assert.Contains("filed under height 1, but block 2 last wrote it", full.Issue.Message);
        Assert.True(Run(fx.Path, VerifyMode.Quick).Ok); // the last writer of each key needs re-execution

        fx.Sql("UPDATE state SET height = 9 WHERE key = 'user/user-2-3'");
        var quick = Run(fx.Path, VerifyMode.Quick);
        Assert.Equal("user/user-2-3", quick.Issue!.StateKey);
        Assert.Contains("after the last block 3", quick.Issue.Message);
    }
}
