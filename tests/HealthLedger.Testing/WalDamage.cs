namespace HealthLedger.Testing;

/// <summary>What can happen to a stopped node's SQLite write-ahead log (<c>ledger.db-wal</c>): the cases of the WAL tests.</summary>
public static class WalDamage
{
    /// <summary>The kinds of damage: the log deleted, cut to half its length, or one byte flipped near its end.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["deleted", "truncated", "flipped"];

    /// <summary>Does <paramref name="kind"/> to the log file <paramref name="wal"/>.</summary>
    public static void Apply(string wal, string kind)
    {
        switch (kind)
        {
            case "deleted":
                File.Delete(wal);
                break;
            case "truncated":
                using (var stream = new FileStream(wal, FileMode.Open)) stream.SetLength(stream.Length / 2);
                break;
            case "flipped":
                var bytes = File.ReadAllBytes(wal);
                bytes[^100] ^= 0x20; // inside the last commit's frames: SQLite drops that transaction and every later one
                File.WriteAllBytes(wal, bytes);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "deleted, truncated or flipped");
        }
    }
}
