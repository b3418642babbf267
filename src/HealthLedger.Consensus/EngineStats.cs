namespace HealthLedger.Consensus;

/// <summary>What an engine refused or noticed, by kind (for logs, tests and the Byzantine-behaviour counts).</summary>
public sealed class EngineStats
{
    /// <summary>Messages whose signature did not verify (forged or garbled).</summary>
    public long BadSignatures { get; internal set; }

    /// <summary>Messages from keys that are not validators.</summary>
    public long UnknownSenders { get; internal set; }

    /// <summary>Proposals from a validator that is not the round's proposer.</summary>
    public long WrongProposer { get; internal set; }

    /// <summary>Proposals whose value does not hash to the announced hash.</summary>
    public long BadValueHash { get; internal set; }

    /// <summary>Second, different proposals or votes for the same round and step from one validator.</summary>
    public long Equivocations { get; internal set; }

    /// <summary>Messages for heights already decided (late or replayed).</summary>
    public long Stale { get; internal set; }

    /// <summary>Messages for heights beyond the next one (dropped; block sync catches up).</summary>
    public long TooFarAhead { get; internal set; }

    /// <summary>Proposed values that failed validation (e.g. a wrong state root).</summary>
    public long InvalidValues { get; internal set; }

    /// <summary>Times the engine declined to sign a vote conflicting with one it signed before (after a restart).</summary>
    public long RefusedToResign { get; internal set; }
}
