namespace HealthLedger.Node.Consortium;

/// <summary>One rule of the governance policy, with the approvals it needs among the organisations active now.</summary>
public sealed record GovernanceRuleResponse(string Action, int Numerator, int Denominator, bool Inclusive, bool SelfService, string Description, int Needed, bool Proposable);
