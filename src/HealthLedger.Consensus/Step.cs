namespace HealthLedger.Consensus;

/// <summary>A round's step.</summary>
public enum Step : byte
{
    /// <summary>Waiting for the proposal.</summary>
    Propose = 1,
    /// <summary>Prevoted; collecting prevotes.</summary>
    Prevote = 2,
    /// <summary>Precommitted; collecting precommits.</summary>
    Precommit = 3,
}
