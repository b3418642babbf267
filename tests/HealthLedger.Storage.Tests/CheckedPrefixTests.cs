using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// The start-up check's record of what it verified (<see cref="CheckedPrefix"/>): the next check re-verifies only the
/// signatures of later and recent blocks, yet still refuses every change to the stored bytes.
/// </summary>
public class CheckedPrefixTests
{
    private const int Blocks = 24; // heights 0..23: with a window of 16, blocks 1..7 are vouched for by a record at 23

    // A stand-in for the node's certificate check: a certificate is the block's hash, reversed.
    private static byte[] CertificateOf(Hash256 hash) => [.. hash.ToArray().Reverse()];

    private sealed class Counting
    {
        public List<ulong> Heights { get; } = [];

        public string? Check(string networkId, ulong height, Hash256 hash, IReadOnlyList<SigningPublicKey> validators, byte[]? certificate)
        {
            lock (Heights) Heights.Add(height);
            return certificate is not null && certificate.AsSpan().SequenceEqual(CertificateOf(hash)) ? null : "the commit certificate does not verify";
        }
    }

    private static LedgerFixture Make()
    {
        var fx = new LedgerFixture(blocks: 1);
        using (var store = SqliteLedgerStore.Open(fx.Path, create: false))
        {
            for (var b = 1; b < Blocks; b++)
            {
                var built = fx.Net.Append(1_700_000_001_000 + (ulong)b, [fx.Net.Register($"user-{b}")]);
                store.Commit(built.Block, built.Execution.Receipts, built.Execution.Changes, certificate: CertificateOf(built.Block.Header.Hash));
            }
        }
        SqliteConnection.ClearAllPools();
        return fx;
    }

    private static (VerifyReport Report, List<ulong> Checked) Quick(LedgerFixture fx, CheckedPrefix? before)
    {
        var counting = new Counting();
        using var store = SqliteLedgerStore.Open(fx.Path, create: false);
        var report = StoreVerifier.Verify(store, VerifyMode.Quick, certificates: counting.Check, checkedBefore: before);
        return (report, counting.Heights);
    }

    private static CheckedPrefix FirstCheck(LedgerFixture fx)
    {
        var (report, heights) = Quick(fx, null);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.Equal(Blocks - 1, heights.Count);
        CheckedPrefix.Write(fx.Path, report.Checked!);
        return CheckedPrefix.Read(fx.Path)!;
    }

    [Fact]
    public void A_second_check_verifies_only_the_certificates_of_the_recent_window()
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        Assert.Equal(((ulong)Blocks - 1, fx.Net.Tip.Hash), (record.Height, record.Hash));

        var (report, heights) = Quick(fx, record);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.Equal(Enumerable.Range(Blocks - (int)StoreVerifier.RecentWindow, (int)StoreVerifier.RecentWindow).Select(h => (ulong)h), heights.Order());
    }

    [Fact]
    public void A_changed_old_certificate_makes_the_check_verify_them_all_and_name_it()
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        fx.FlipByte("commits", "certificate", "height = 2", 5);

        var (report, heights) = Quick(fx, record);
        Assert.Equal(2UL, report.Issue!.Height);
        Assert.Contains("does not verify", report.Issue.Message);
        Assert.Equal(Blocks - 1, heights.Count);
    }

    [Theory]
    [InlineData("blocks", "header", "height = 2", 2UL, null)]
    [InlineData("blocks", "header", "height = 2", 2UL, -1)] // the proposer's signature: bound by the block hash
    [InlineData("transactions", "body", "height = 3 AND idx = 0", 3UL, 7)]
    [InlineData("receipts", "body", "height = 4 AND idx = 0", 4UL, 1)]
    public void Every_changed_byte_of_an_old_block_is_still_refused_with_a_record(string table, string column, string where, ulong height, int? position)
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        fx.FlipByte(table, column, where, position ?? 9);

        var (report, _) = Quick(fx, record);
        Assert.Equal(height, report.Issue!.Height);
    }

    [Fact]
    public void A_damaged_record_is_ignored_and_everything_is_verified()
    {
        using var fx = Make();
        FirstCheck(fx);
        var path = CheckedPrefix.PathFor(fx.Path);
        File.WriteAllText(path, File.ReadAllText(path).Replace(" ", "  ", StringComparison.Ordinal));
        Assert.Null(CheckedPrefix.Read(fx.Path, out var unusable));
        Assert.Equal("its checksum does not match its content", unusable); // the node logs it (event 1004)
        File.WriteAllText(path, "not a record\n");
        Assert.Null(CheckedPrefix.Read(fx.Path, out unusable));
        Assert.Equal("it is not a record of this format", unusable);
        File.Delete(path);
        Assert.Null(CheckedPrefix.Read(fx.Path, out unusable));
        Assert.Null(unusable); // none at all is not damage

        var (report, heights) = Quick(fx, null);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.Equal(Blocks - 1, heights.Count);
    }

    [Fact]
    public void A_record_of_another_chain_is_not_trusted()
    {
        using var fx = Make();
        var record = FirstCheck(fx) with { Hash = Hashing.Sha256("another chain"u8) };

        var (report, heights) = Quick(fx, record);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.Equal(Blocks - 1, heights.Count);
    }
}
