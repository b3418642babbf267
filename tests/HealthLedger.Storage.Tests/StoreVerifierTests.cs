using HealthLedger.Storage;

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
}
