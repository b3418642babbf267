using HealthLedger.Core.Execution;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;
using HealthLedger.Storage;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage.Tests;

public class LedgerStoreTests
{
    [Fact]
    public void Committed_blocks_read_back_byte_for_byte_after_reopening()
    {
        using var fx = new LedgerFixture();
        using var store = SqliteLedgerStore.Open(fx.Path, create: false);
        Assert.Equal(3UL, store.TipHeight);
        var stored = store.ReadBlocks().ToList();
        Assert.Equal(4, stored.Count);
        for (var i = 0; i < stored.Count; i++)
        {
            var built = fx.Net.Blocks[i];
            Assert.Equal(built.Block.Header.Encode(), stored[i].Header);
            Assert.Equal(built.Block.Transactions.Select(t => t.Encoded.ToArray()), stored[i].Transactions.Select(t => t.Body));
            Assert.Equal(built.Execution.Receipts.Select(r => r.Encode()), stored[i].Receipts);
        }
        Assert.Equal(fx.Net.State.Root, WorldState.Load(store.ReadState()).Root);
        var tx = fx.Net.Blocks[2].Block.Transactions[3];
        var found = store.FindTransaction(tx.Id);
        Assert.Equal((2UL, 3), (found!.Height, found.Index));
        Assert.Equal(16, store.CountTransactions());
    }

    [Fact]
    public void A_block_out_of_order_is_refused_and_nothing_is_written()
    {
        using var fx = new LedgerFixture();
        using var store = SqliteLedgerStore.Open(fx.Path, create: false);
        var again = fx.Net.Blocks[2];
        Assert.Throws<InvalidOperationException>(() => store.Commit(again.Block, again.Execution.Receipts, again.Execution.Changes));
        Assert.Equal(16, store.CountTransactions());
    }

    [Fact]
    public void A_commit_that_fails_half_way_leaves_no_trace_of_the_block()
    {
        using var fx = new LedgerFixture();
        // Fault injection: SQLite aborts the commit when it reaches this state write, after the block,
        // transaction and receipt rows of the same commit were already inserted.
        fx.Sql("CREATE TRIGGER fail BEFORE INSERT ON state WHEN NEW.key = 'user/boom' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
        using var store = SqliteLedgerStore.Open(fx.Path, create: false);
        var preview = BlockBuilder.Build(WorldState.Load(fx.Net.State.Entries), "test-net", fx.Net.Tip, 1_800_000_000_000,
            [fx.Net.Register("alpha"), fx.Net.Register("boom")], fx.Net.Node);
        var e = Assert.Throws<SqliteException>(() => store.Commit(preview.Block, preview.Execution.Receipts, preview.Execution.Changes));
        Assert.Contains("injected failure", e.Message);
        Assert.Equal(3UL, store.TipHeight);
        Assert.Null(store.ReadBlock(4));
        Assert.Equal(16, store.CountTransactions());
        Assert.DoesNotContain(store.ReadState(), kv => kv.Key == "user/alpha");
        Assert.True(StoreVerifier.Verify(fx.Path).Ok);

        fx.Sql("DROP TRIGGER fail");
        store.Commit(preview.Block, preview.Execution.Receipts, preview.Execution.Changes);
        Assert.Equal(4UL, store.TipHeight);
    }

    [Fact]
    public void Opening_something_that_is_not_a_ledger_fails_clearly()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => SqliteLedgerStore.OpenReadOnly(dir.Combine("missing.db")));
        File.WriteAllText(dir.Combine("garbage.db"), "this is not a database at all, just text that is long enough to look like a header");
        Assert.Throws<StoreCorruptException>(() => SqliteLedgerStore.OpenReadOnly(dir.Combine("garbage.db")));
        using (var other = new SqliteConnection($"Data Source={dir.Combine("other.db")};Pooling=False"))
        {
            other.Open();
            using var c = other.CreateCommand();
            c.CommandText = "CREATE TABLE t(x)";
            c.ExecuteNonQuery();
        }
        var e = Assert.Throws<StoreCorruptException>(() => SqliteLedgerStore.OpenReadOnly(dir.Combine("other.db")));
        Assert.Contains("not a HealthLedger ledger", e.Message);
    }
}
