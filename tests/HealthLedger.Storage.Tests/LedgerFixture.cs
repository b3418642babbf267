using HealthLedger.Core.Model;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage.Tests;

/// <summary>A real SQLite ledger file holding a small deterministic chain.</summary>
internal sealed class LedgerFixture : IDisposable
{
    public LedgerFixture(int blocks = 4, int txsPerBlock = 5)
    {
        using (var store = SqliteLedgerStore.Open(Path, create: true))
        {
            Fill(store, Net, blocks, txsPerBlock);
        }
        SqliteConnection.ClearAllPools();
    }

    /// <summary>
    /// Commits <paramref name="net"/>'s genesis and then <paramref name="blocks"/> - 1 blocks of <paramref name="txsPerBlock"/>
    /// registrations each (users <c>user-{block}-{i}</c>), appending them to <paramref name="net"/> as well.
    /// </summary>
    public static void Fill(ILedgerStore store, TestNetwork net, int blocks = 4, int txsPerBlock = 5)
    {
        store.Commit(net.Blocks[0].Block, net.Blocks[0].Execution.Receipts, net.Blocks[0].Execution.Changes);
        for (var b = 1; b < blocks; b++)
        {
            var built = net.Append(1_700_000_001_000 + (ulong)b,
                Enumerable.Range(0, txsPerBlock).Select(i => net.Register($"user-{b}-{i}", i % 2 == 0 ? Role.Patient : Role.Doctor)).ToList());
            store.Commit(built.Block, built.Execution.Receipts, built.Execution.Changes);
        }
    }

    public TempDirectory Folder { get; } = new();

    public TestNetwork Net { get; } = new();

    public string Path => Folder.Combine(SqliteLedgerStore.FileName);

    /// <summary>Runs SQL on the file as an outside tool would.</summary>
    public void Sql(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }

    /// <summary>Flips one bit of byte <paramref name="position"/> (negative: from the end; wrapped to the length) of a blob cell.</summary>
    public void FlipByte(string table, string column, string where, int position)
    {
        using var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = $"SELECT CAST({column} AS BLOB) FROM {table} WHERE {where}";
        var bytes = (byte[])read.ExecuteScalar()!;
        var p = position < 0 ? bytes.Length + position : position % bytes.Length;
        bytes[p] ^= 0x04;
        using var write = connection.CreateCommand();
        write.CommandText = $"UPDATE {table} SET {column} = $v WHERE {where}";
        write.Parameters.AddWithValue("$v", bytes);
        Assert.Equal(1, write.ExecuteNonQuery());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Net.Dispose();
        Folder.Dispose();
    }
}
