using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Governance;

/// <summary>Replaces the governance policy.</summary>
/// <param name="Policy">The new policy.</param>
public sealed record ChangePolicyAction(GovernancePolicy Policy) : ProposedAction
{
    /// <inheritdoc/>
    public override GovernanceAction Action => GovernanceAction.ChangePolicy;

    /// <inheritdoc/>
    public override string? Problem() => Policy.Problem() is { } problem ? $"policy: {problem}" : null;

    /// <inheritdoc/>
    protected override void WriteBody(CanonicalWriter w) => Policy.Write(w);

    internal static bool TryReadBody(ref CanonicalReader r, out ChangePolicyAction action)
    {
        GovernancePolicy.TryRead(ref r, out var policy);
        action = new ChangePolicyAction(policy);
        return r.Error is null;
    }
}
