using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Governance;

/// <summary>
/// Replaces the network policy (<see cref="NetworkPolicy"/>, state <see cref="StateKeys.Policy"/>): body <c>policy</c> as
/// <see cref="NetworkPolicy.Write"/> writes it. Applied, it makes the policy record's next version (current plus one), kept
/// by the same organisation, proved by the deciding transaction; like a <c>ConfigurePolicy</c> change it applies to
/// discharges and visits in later transactions.
/// </summary>
/// <param name="Policy">The whole network policy as it is to be.</param>
public sealed record ChangeNetworkPolicyAction(NetworkPolicy Policy) : ProposedAction
{
    /// <inheritdoc/>
    public override GovernanceAction Action => GovernanceAction.ChangeNetworkPolicy;

    /// <inheritdoc/>
    public override string? Problem() => Policy.Problems() is [var (field, problem), ..] ? $"networkPolicy.{field}: {problem}" : null;

    /// <inheritdoc/>
    protected override void WriteBody(CanonicalWriter w) => Policy.Write(w);

    internal static bool TryReadBody(ref CanonicalReader r, out ChangeNetworkPolicyAction action)
    {
        NetworkPolicy.TryRead(ref r, out var policy);
        action = new ChangeNetworkPolicyAction(policy);
        return r.Error is null;
    }
}
