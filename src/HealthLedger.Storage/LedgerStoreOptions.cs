namespace HealthLedger.Storage;

/// <summary>How the ledger store talks to SQLite.</summary>
public sealed record LedgerStoreOptions
{
    /// <summary>
    /// fsync the write-ahead log at every block commit (SQLite <c>synchronous=FULL</c>). On by default: a committed
    /// block survives a power cut. Off (<c>NORMAL</c>) still survives a process crash or kill, but the last blocks
    /// may be lost on power loss; never a half-written block either way.
    /// </summary>
    public bool DurableCommits { get; init; } = true;

    /// <summary>Defaults.</summary>
    public static LedgerStoreOptions Default { get; } = new();
}
