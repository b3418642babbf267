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

    /// <summary>
    /// From how many frames a SQLite ledger's write-ahead log is made to start again (<see cref="WalCheckpointer.RestartFrames"/>);
    /// smaller only in tests.
    /// </summary>
    internal long WalRestartFrames { get; init; } = WalCheckpointer.RestartFrames;

    /// <summary>How soon a restart of the log that found readers still in it is tried again (<see cref="WalCheckpointer.RestartBackoff"/>); shorter only in tests.</summary>
    internal TimeSpan WalRestartBackoff { get; init; } = WalCheckpointer.RestartBackoff;

    /// <summary>
    /// The size in bytes a SQLite ledger's write-ahead log is cut back to when it starts again, and beyond which an idle store
    /// empties it (<see cref="WalCheckpointer.SizeLimit"/>); smaller only in tests.
    /// </summary>
    internal long WalSizeLimit { get; init; } = WalCheckpointer.SizeLimit;

    /// <summary>Defaults.</summary>
    public static LedgerStoreOptions Default { get; } = new();
}
