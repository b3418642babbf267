namespace HealthLedger.Node.Consent;

/// <summary>A consent grant form / request body.</summary>
public sealed class GrantInput
{
    /// <summary>doctor or organisation.</summary>
    public string? GranteeKind { get; set; }
    public string? GranteeId { get; set; }
    /// <summary>all, or any of demographics, encounters, account, reports, laboratory, medication.</summary>
    public List<string>? Categories { get; set; }
    /// <summary>
    /// When the grant stops by itself: an instant with an offset, a local time of the hospital, or a date (the end of that
    /// day in the hospital's zone); none when empty.
    /// </summary>
    public string? ExpiresAt { get; set; }
}
