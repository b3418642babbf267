using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// The start-up check's record of what it verified (<see cref="CheckedPrefix"/>): the next check reads only the blocks after
/// it (at least the recent window), and the integrity sweep (<see cref="StoreVerifier.Sweep"/>) finds every change to the
/// blocks it took on trust.
/// </summary>
public class CheckedPrefixTests
{
    private const int Blocks = 24; // heights 0..23: with a window of 16, a check at 23 records blocks 0..7

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
        Assert.Equal(((ulong)Blocks - 1 - StoreVerifier.RecentWindow, fx.Net.Blocks[Blocks - 1 - (int)StoreVerifier.RecentWindow].Block.Header.Hash),
            (record.Height, record.Hash));

        var (report, heights) = Quick(fx, record);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.Equal(Enumerable.Range(Blocks - (int)StoreVerifier.RecentWindow, (int)StoreVerifier.RecentWindow).Select(h => (ulong)h), heights.Order());
    }

    [Fact]
    public void A_second_check_takes_the_recorded_blocks_on_trust_and_records_where_the_next_may_start()
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        Assert.Equal((ulong)Blocks - 1 - StoreVerifier.RecentWindow, record.Height);
        Assert.Equal([fx.Net.Node.PublicKey], record.Proposers);

        var (report, _) = Quick(fx, record);
        Assert.Equal(record.Height, report.TrustedThrough);
        Assert.Equal((ulong)StoreVerifier.RecentWindow, report.Blocks);
        Assert.Equal((record.Height, record.Hash), (report.Checked!.Height, report.Checked.Hash));
        Assert.Equal(record.Proposers, report.Checked.Proposers);
    }

    [Fact]
    public void A_changed_old_certificate_passes_the_start_and_the_sweep_names_it()
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        fx.FlipByte("commits", "certificate", "height = 2", 5);

        var (report, heights) = Quick(fx, record);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.DoesNotContain(2UL, heights);

        var swept = Sweep(fx, report.Tip!.Height);
        Assert.Equal(2UL, swept.Issue!.Height);
        Assert.Contains("does not verify", swept.Issue.Message);
        // Without the record, the start itself refuses.
        Assert.Equal(2UL, Quick(fx, null).Report.Issue!.Height);
    }

    [Theory]
    [InlineData("blocks", "header", "height = 2", 2UL, null)]
    [InlineData("blocks", "header", "height = 2", 2UL, -1)] // the proposer's signature: not bound by the block hash
    [InlineData("transactions", "body", "height = 3 AND idx = 0", 3UL, 7)]
    [InlineData("receipts", "body", "height = 4 AND idx = 0", 4UL, 1)]
    public void Every_changed_byte_of_a_block_the_start_took_on_trust_is_found_by_the_sweep(string table, string column, string where, ulong height, int? position)
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        fx.FlipByte(table, column, where, position ?? 9);

        var (report, _) = Quick(fx, record);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.Equal(record.Height, report.TrustedThrough);
        Assert.Equal(height, Sweep(fx, report.Tip!.Height).Issue!.Height);
        Assert.Equal(height, Quick(fx, null).Report.Issue!.Height);
    }

    [Theory]
    [InlineData("blocks", "header", "height = 20", 20UL, 9)]
    [InlineData("transactions", "body", "height = 21 AND idx = 0", 21UL, 7)]
    [InlineData("commits", "certificate", "height = 22", 22UL, 5)]
    public void A_changed_byte_of_a_recent_block_is_refused_at_start_with_a_record(string table, string column, string where, ulong height, int position)
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        fx.FlipByte(table, column, where, position);

        Assert.Equal(height, Quick(fx, record).Report.Issue!.Height);
    }

    [Fact]
    public void A_deleted_old_block_is_found_by_the_sweep_and_a_deleted_recorded_block_voids_the_record()
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        fx.Sql("DELETE FROM blocks WHERE height = 3");
        var (report, _) = Quick(fx, record);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.Equal(3UL, Sweep(fx, report.Tip!.Height).Issue!.Height);

        fx.Sql($"DELETE FROM blocks WHERE height = {record.Height}");
        var (without, _) = Quick(fx, record);
        Assert.Null(without.TrustedThrough);
        Assert.Equal(3UL, without.Issue!.Height);
    }

    [Fact]
    public void The_sweep_of_an_untouched_chain_passes_and_counts_every_block()
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        var (report, _) = Quick(fx, record);
        var swept = Sweep(fx, report.Tip!.Height);
        Assert.True(swept.Ok, swept.Issue?.ToString());
        Assert.Equal((ulong)Blocks, swept.Blocks);
    }

    [Fact]
    public void The_sweep_stops_when_cancelled()
    {
        using var fx = Make();
        using var store = SqliteLedgerStore.Open(fx.Path, create: false);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => StoreVerifier.Sweep(store, Blocks - 1, new Counting().Check, cancel.Token));
    }

    [Fact]
    public void A_record_that_ends_within_the_recent_window_trusts_no_block()
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        var atTip = record with { Height = Blocks - 1, Hash = fx.Net.Tip.Hash };
        fx.FlipByte("transactions", "body", "height = 22 AND idx = 0", 7);

        var (report, _) = Quick(fx, atTip);
        Assert.Equal(22UL, report.Issue!.Height);
    }

    [Fact]
    public void A_wrong_record_of_this_chain_cannot_refuse_a_sound_ledger()
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        var noProposers = record with { Proposers = [] };
        var fakeDocument = record with
        {
            References = new Dictionary<Hash256, DocumentReference> { [Hashing.Sha256("no such file"u8)] = new(3, 0, Hashing.Sha256("tx"u8), 10) },
        };

        foreach (var wrong in new[] { noProposers, fakeDocument })
        {
            var (report, heights) = Quick(fx, wrong);
            Assert.True(report.Ok, report.Issue?.ToString());
            Assert.Null(report.TrustedThrough); // done again without the record: every certificate checked
            Assert.Equal(Enumerable.Range(1, Blocks - 1).Select(h => (ulong)h), heights.Distinct().Order());
        }
    }

    [Fact]
    public void Rows_filed_above_the_tip_are_refused_with_a_record_too()
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        fx.Sql("INSERT INTO transactions(height, idx, tx_id, body) VALUES (1000, 0, x'00', x'00')");

        var (report, _) = Quick(fx, record);
        Assert.Contains("belong to no block", report.Issue!.Message);
    }

    [Fact]
    public void With_blocks_on_trust_only_files_newer_than_the_record_are_set_aside_as_orphans()
    {
        using var fx = Make();
        var record = FirstCheck(fx);
        var documents = Directory.CreateDirectory(Path.Combine(fx.Folder.Combine(DocumentStore.FolderName), "ab")); // files sit in sub-folders
        var old = Hashing.Sha256("an upload the record's start saw"u8);
        var fresh = Hashing.Sha256("an upload since"u8);
        File.WriteAllText(Path.Combine(documents.FullName, old.ToString()), "old");
        File.SetLastWriteTimeUtc(Path.Combine(documents.FullName, old.ToString()), record.Written.AddHours(-1));
        File.WriteAllText(Path.Combine(documents.FullName, fresh.ToString()), "new");
        File.SetLastWriteTimeUtc(Path.Combine(documents.FullName, fresh.ToString()), record.Written.AddHours(1));

        var (trusting, _) = Quick(fx, record);
        Assert.NotNull(trusting.TrustedThrough);
        Assert.Contains(old, trusting.KeptDocuments);
        Assert.DoesNotContain(fresh, trusting.KeptDocuments);
        var (reading, _) = Quick(fx, null);
        Assert.DoesNotContain(old, reading.KeptDocuments);
    }

    private static VerifyReport Sweep(LedgerFixture fx, ulong through)
    {
        using var store = SqliteLedgerStore.Open(fx.Path, create: false);
        return StoreVerifier.Sweep(store, through, new Counting().Check, CancellationToken.None);
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
        Assert.Null(report.TrustedThrough);
        Assert.Equal(Blocks - 1, heights.Count);
    }
}
