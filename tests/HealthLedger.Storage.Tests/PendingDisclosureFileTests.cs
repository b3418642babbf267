using HealthLedger.Core.Primitives;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// ledger.disclosures.db deleted, replaced or damaged under a node: a disclosure the file accepted is in the file the folder
/// names (what a node restarted after a kill finds), never only in a deleted file the process still holds open.
/// </summary>
public sealed class PendingDisclosureFileTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    private string FilePath => _folder.Combine(PendingDisclosureFile.FileName);

    private static Hash256 Id(byte b) => new(Enumerable.Repeat(b, 32).ToArray());

    // What a node started after a kill -9 would find at the path: a connection of its own, nothing from this process's file.
    private List<Hash256> FoundAtPath()
    {
        if (!File.Exists(FilePath)) return [];
        using var connection = new SqliteConnection($"Data Source={FilePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM pending_disclosures ORDER BY seq";
        using var reader = command.ExecuteReader();
        var ids = new List<Hash256>();
        while (reader.Read()) ids.Add(new Hash256(reader.GetFieldValue<byte[]>(0)));
        return ids;
    }

    [Theory]
    [InlineData("the file and its log", new[] { "", "-wal", "-shm" })]
    [InlineData("the file alone", new[] { "" })]
    [InlineData("its write-ahead log alone", new[] { "-wal" })]
    public void A_file_deleted_while_open_is_written_anew_at_its_path_with_every_row_it_held(string what, string[] suffixes)
    {
        using var file = PendingDisclosureFile.Open(FilePath, durable: true);
        file.Save([(Id(1), [1])]);
        foreach (var suffix in suffixes) File.Delete(FilePath + suffix);

        file.Save([(Id(2), [2])]);

        // Before, the second row (and the first) lived only in the deleted file: gone with the process.
        Assert.True(new[] { Id(1), Id(2) }.SequenceEqual(FoundAtPath()), what);
        Assert.Equal(1, file.Reattached);
        Assert.Equal(new[] { Id(1), Id(2) }, file.Read(10, 0).Select(r => r.Id));
        file.Delete([Id(1)]);
        Assert.Equal(new[] { Id(2) }, FoundAtPath());
    }

    [Fact]
    public void A_file_replaced_by_another_while_open_gets_the_rows_of_the_one_it_replaced()
    {
        using var file = PendingDisclosureFile.Open(FilePath, durable: true);
        file.Save([(Id(1), [1])]);
        // An older copy put in place (a restore over a running node): another file at the path, with a row of its own.
        var other = _folder.Combine("older.db");
        using (var older = PendingDisclosureFile.Open(other, durable: true)) older.Save([(Id(9), [9])]);
        File.Move(other, FilePath, overwrite: true);

        file.Save([(Id(2), [2])]);

        // The old file's log, left at the path by SQLite, is set aside instead of being replayed onto the file now there.
        Assert.Equal(new[] { Id(9), Id(1), Id(2) }, FoundAtPath());
        Assert.Equal(1, file.Reattached);
        Assert.True(File.Exists(FilePath + "-wal.displaced"));
    }

    [Fact]
    public void A_file_that_is_not_a_database_at_the_path_refuses_the_write_and_keeps_the_rows_for_when_it_is_gone()
    {
        using var file = PendingDisclosureFile.Open(FilePath, durable: true);
        file.Save([(Id(1), [1])]);
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(FilePath + suffix);
        File.WriteAllBytes(FilePath, Enumerable.Repeat((byte)0x5a, 4096).ToArray());

        Assert.ThrowsAny<SqliteException>(() => file.Save([(Id(2), [2])]));

        // The refused write's row is not kept (its read was refused); the rows the deleted file held are.
        File.Delete(FilePath);
        file.Save([(Id(3), [3])]);
        Assert.Equal(new[] { Id(1), Id(3) }, FoundAtPath());
    }

    [Fact]
    public void A_file_left_in_place_is_not_written_anew()
    {
        using var file = PendingDisclosureFile.Open(FilePath, durable: true);
        for (byte b = 1; b <= 5; b++) file.Save([(Id(b), [b])]);
        file.Delete([Id(1)]);
        Assert.Equal(0, file.Reattached);
        Assert.Equal(new[] { Id(2), Id(3), Id(4), Id(5) }, FoundAtPath());
    }

    [Fact]
    public void A_damaged_file_beside_a_ledger_is_named_when_the_ledger_is_opened_and_when_it_is_verified()
    {
        var ledger = _folder.Combine(SqliteLedgerStore.FileName);
        SqliteLedgerStore.Open(ledger, create: true).Dispose();
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(FilePath + suffix);
        File.WriteAllBytes(FilePath, Enumerable.Repeat((byte)0xa5, 5000).ToArray());

        // Before, both blamed ledger.db ("is not a readable SQLite ledger"), and opening for verification did not fail at all.
        var atStart = Assert.Throws<StoreCorruptException>(() => SqliteLedgerStore.Open(ledger, create: false));
        Assert.Contains(PendingDisclosureFile.FileName, atStart.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("readable SQLite ledger", atStart.Message, StringComparison.Ordinal);
        var atVerify = Assert.Throws<StoreCorruptException>(() => SqliteLedgerStore.OpenReadOnly(ledger));
        Assert.Contains(PendingDisclosureFile.FileName, atVerify.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
