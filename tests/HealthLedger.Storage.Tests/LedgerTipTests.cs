using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// The independent record of the committed tip (<see cref="LedgerTip"/>): a store that lost committed blocks (a lost,
/// truncated or damaged write-ahead log) is named by both verification modes instead of silently starting lower.
/// </summary>
public class LedgerTipTests
{
    [Fact]
    public void Every_commit_records_the_tip_beside_the_ledger_owner_only()
    {
        using var fx = new LedgerFixture();
        Assert.Equal(new LedgerTip(3, fx.Net.Tip.Hash), LedgerTip.Read(fx.Path));
        Assert.Equal(fx.Folder.Combine("ledger.tip"), LedgerTip.PathFor(fx.Path));
        Assert.False(File.Exists(LedgerTip.PathFor(fx.Path) + ".tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LedgerTip.PathFor(fx.Path)));
        }
    }

    [Fact]
    public void The_record_is_rewritten_in_place_at_a_fixed_length_and_a_record_of_an_older_version_is_read_and_replaced()
    {
        using var folder = new TempDirectory();
        var ledger = folder.Combine(SqliteLedgerStore.FileName);
        var path = LedgerTip.PathFor(ledger);
        var first = new LedgerTip(7, Hashing.Sha256("seven"u8));
        LedgerTip.Write(ledger, first);
        var older = File.ReadAllText(path).TrimEnd(); // the line an older version wrote on its own, whole file replaced
        File.WriteAllText(path, older + "\n");
        Assert.Equal(first, LedgerTip.Read(ledger));

        var olderLength = new FileInfo(path).Length;
        var lower = new LedgerTip(3, Hashing.Sha256("three"u8)); // verify --accept-tip may record a lower tip: no stale tail
        LedgerTip.Write(ledger, lower);
        Assert.Equal(lower, LedgerTip.Read(ledger));
        Assert.Equal(LedgerTip.RecordLength, new FileInfo(path).Length);
        Assert.True(olderLength < LedgerTip.RecordLength);

        var bytes = File.ReadAllBytes(path);
        bytes[30] ^= 0x01; // a torn or damaged write is refused, never read as another tip
        File.WriteAllBytes(path, bytes);
        Assert.Throws<InvalidDataException>(() => LedgerTip.Read(ledger));
    }

    [Fact]
    public void A_checkpoint_empties_the_write_ahead_log_so_losing_it_loses_nothing()
    {
        using var folder = new TempDirectory();
        using var net = new TestNetwork();
        var path = folder.Combine(SqliteLedgerStore.FileName);
        using (var store = SqliteLedgerStore.Open(path, create: true))
        {
            LedgerFixture.Fill(store, net);
            Assert.True(new FileInfo(path + "-wal").Length > 0);
            Assert.Equal(4, store.ReadBlocks().Count()); // a pooled reader holds the log open
            Assert.True(store.Checkpoint());
            Assert.Equal(0, new FileInfo(path + "-wal").Length);
        }
        SqliteConnection.ClearAllPools();
        File.Delete(path + "-wal");
        File.Delete(path + "-shm");
        var report = StoreVerifier.Verify(path);
        Assert.True(report.Ok, report.Issue?.ToString());
        Assert.Equal(4UL, report.Blocks);
    }

    public static TheoryData<string> Damage() => [.. WalDamage.Kinds];

    [Theory]
    [MemberData(nameof(Damage))]
    public void A_crashed_stores_lost_or_damaged_write_ahead_log_is_named_by_both_modes(string damage)
    {
        using var folder = new TempDirectory();
        using var net = new TestNetwork();
        var live = folder.Combine("live", SqliteLedgerStore.FileName);
        var crashed = folder.Combine("crashed", SqliteLedgerStore.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(live)!);
        Directory.CreateDirectory(Path.GetDirectoryName(crashed)!);
        using (var store = SqliteLedgerStore.Open(live, create: true))
        {
            // Everything so far in the ledger file, then a reader's snapshot that keeps every later checkpoint from copying the
            // blocks into it: the file is then not written again, and copying it cannot catch a checkpoint half-way.
            Assert.NotEqual(-1, store.CheckpointPassive().Checkpointed);
            using var pin = new LogPin(live);
            LedgerFixture.Fill(store, net, blocks: 6);
            // What a kill leaves on disk: the ledger file, its log (not checkpointed past the pin) and the tip record.
            File.Copy(live, crashed);
            File.Copy(live + "-wal", crashed + "-wal");
            File.Copy(LedgerTip.PathFor(live), LedgerTip.PathFor(crashed));
        }
        SqliteConnection.ClearAllPools();
        var wal = crashed + "-wal";
        WalDamage.Apply(wal, damage);

        using (var store = SqliteLedgerStore.Open(crashed, create: false))
        {
            var first = store.TipHeight is { } tip ? tip + 1 : 0;
            Assert.True(first <= 5, $"the damage lost no block (tip {store.TipHeight})");
            var quick = StoreVerifier.Verify(store, VerifyMode.Quick);
            Assert.True(quick.TipProblem);
            Assert.Equal(first, quick.Issue!.Height);
            Assert.Contains($"committed blocks {first} to 5", quick.Issue.Message);
            Assert.Contains("ledger.db-wal", quick.Issue.Message);
        }
        SqliteConnection.ClearAllPools();
        var full = StoreVerifier.Verify(crashed);
        Assert.False(full.Ok);
        Assert.Contains("to 5", full.Issue!.Message);
    }

    [Fact]
    public void A_ledger_without_its_tip_record_or_with_a_damaged_one_is_refused_and_accepting_it_is_explicit()
    {
        using var fx = new LedgerFixture();
        var record = LedgerTip.PathFor(fx.Path);
        File.WriteAllText(record, File.ReadAllText(record).Replace(" 3 ", " 9 ", StringComparison.Ordinal));
        Assert.Contains("damaged", StoreVerifier.Verify(fx.Path).Issue!.Message);

        File.Delete(record);
        var missing = StoreVerifier.Verify(fx.Path);
        Assert.True(missing.TipProblem);
        Assert.Contains("tip record (ledger.tip) is missing", missing.Issue!.Message);
        Assert.True(StoreVerifier.Verify(fx.Path, checkTipRecord: false).Ok);
    }

    [Fact]
    public void A_block_at_the_recorded_height_with_another_hash_is_named()
    {
        using var fx = new LedgerFixture();
        LedgerTip.Write(fx.Path, new LedgerTip(2, new Hash256(new byte[32])));
        var report = StoreVerifier.Verify(fx.Path);
        Assert.Equal(2UL, report.Issue!.Height);
        Assert.Contains("is not the one the tip record says was committed", report.Issue.Message);
    }
}
