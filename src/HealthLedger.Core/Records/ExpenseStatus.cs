namespace HealthLedger.Core.Records;

/// <summary>Where an expense stands. Values are stored on the chain and never renumbered.</summary>
public enum ExpenseStatus : byte
{
    /// <summary>Counts as spending: at or below the organisation's approval threshold when recorded, or approved by a second admin.</summary>
    Approved = 1,
    /// <summary>Above the threshold and waiting for an admin other than the recorder; not spending yet.</summary>
    PendingApproval = 2,
    /// <summary>Refused by an admin other than the recorder; never spending.</summary>
    Rejected = 3,
}
