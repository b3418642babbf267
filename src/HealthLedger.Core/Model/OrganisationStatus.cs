namespace HealthLedger.Core.Model;

/// <summary>An organisation's membership status. Values are stored on the chain and never renumbered.</summary>
public enum OrganisationStatus : byte
{
    /// <summary>A member: its nodes vote, its admins propose and vote, its users sign.</summary>
    Active = 1,
    /// <summary>
    /// Suspended by the consortium: its nodes left the validator set (their records stay, so reinstating restores them),
    /// nobody of it (users, nodes, the organisation key) can sign.
    /// </summary>
    Suspended = 2,
    /// <summary>Removed by the consortium: its nodes are deleted, nobody of it can sign; the record stays (its id is never reused).</summary>
    Removed = 3,
}
