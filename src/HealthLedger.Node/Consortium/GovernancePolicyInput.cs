namespace HealthLedger.Node.Consortium;

/// <summary>A proposed governance policy: the rules given replace the current ones of their actions; the others stay.</summary>
public sealed class GovernancePolicyInput
{
    /// <summary>How long a proposal stays open, in hours (1 to 8760); the current lifetime when absent.</summary>
    public int? ProposalLifetimeHours { get; set; }

    /// <summary>The rules to change.</summary>
    public List<GovernanceRuleInput?>? Rules { get; set; }
}
