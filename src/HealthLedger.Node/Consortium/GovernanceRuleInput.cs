namespace HealthLedger.Node.Consortium;

/// <summary>One rule of a proposed governance policy.</summary>
public sealed class GovernanceRuleInput
{
    /// <summary>The action (<c>add-organisation</c> …).</summary>
    public string? Action { get; set; }

    /// <summary>Numerator of the fraction of active organisations.</summary>
    public int? Numerator { get; set; }

    /// <summary>Denominator (1–100).</summary>
    public int? Denominator { get; set; }

    /// <summary>True: at least the fraction; false: strictly more than it.</summary>
    public bool? Inclusive { get; set; }

    /// <summary>An organisation may do it alone to its own node (node actions only).</summary>
    public bool? SelfService { get; set; }
}
