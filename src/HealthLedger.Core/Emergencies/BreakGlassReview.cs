namespace HealthLedger.Core.Emergencies;

/// <summary>Where a break-glass access stands in its custodian organisation's review queue. Values are stored on the chain and never renumbered.</summary>
public enum BreakGlassReview : byte
{
    /// <summary>Not reviewed yet.</summary>
    Pending = 0,
    /// <summary>Reviewed: the access was justified.</summary>
    Reviewed = 1,
    /// <summary>Reviewed and flagged as misuse.</summary>
    Misuse = 2,
}
