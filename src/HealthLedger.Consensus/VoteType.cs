namespace HealthLedger.Consensus;

/// <summary>The kinds of consensus messages.</summary>
public enum MessageType : byte
{
    /// <summary>The round's proposer proposes a value.</summary>
    Proposal = 1,
    /// <summary>A first-phase vote for a value (or nil).</summary>
    Prevote = 2,
    /// <summary>A second-phase vote for a value (or nil).</summary>
    Precommit = 3,
}
