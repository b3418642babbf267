namespace HealthLedger.Core.Records;

/// <summary>Who a consent grant is for.</summary>
public enum GranteeKind : byte
{
    /// <summary>One doctor.</summary>
    Doctor = 1,
    /// <summary>A whole organisation (its admins and doctors).</summary>
    Organisation = 2,
}
