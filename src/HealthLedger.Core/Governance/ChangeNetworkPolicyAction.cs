using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Governance;

/// <summary>
/// Replaces the network policy (<see cref="NetworkPolicy"/>, state <see cref="StateKeys.Policy"/>): body <c>policy</c> as
/// <see cref="NetworkPolicy.Write"/> writes it, then <c>basedOnVersion</c> (VarUInt). Applied, it makes the policy record's next version (current plus one), kept
/// by the same organisation, proved by the deciding transaction; like a <c>ConfigurePolicy</c> change it applies to
/// discharges and visits in later transactions.
/// </summary>
/// <param name="Policy">The whole network policy as it is to be.</param>
/// <param name="BasedOnVersion">The policy record's version the proposal replaces: applied only while the policy is still at
/// that version, so two proposals made from one version cannot both apply, the later silently undoing the earlier (as a
/// stale <c>version</c> in <c>PUT /api/v1/policy</c> is refused); 0 applies to whatever version is current.</param>
public sealed record ChangeNetworkPolicyAction(NetworkPolicy Policy, ulong BasedOnVersion = 0) : ProposedAction
{
    /// <inheritdoc/>
    public override GovernanceAction Action => GovernanceAction.ChangeNetworkPolicy;

    /// <inheritdoc/>
    public override string? Problem() => Policy.Problems() is [var (field, problem), ..] ? $"networkPolicy.{field}: {problem}" : null;

    /// <inheritdoc/>
    protected override void WriteBody(CanonicalWriter w)
    {
        Policy.Write(w);
        w.VarUInt(BasedOnVersion);
    }

    internal static bool TryReadBody(ref CanonicalReader r, out ChangeNetworkPolicyAction action)
    {
        NetworkPolicy.TryRead(ref r, out var policy);
        r.VarUInt(out var basedOn);
        action = new ChangeNetworkPolicyAction(policy, basedOn);
        return r.Error is null;
    }
}
