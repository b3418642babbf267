using HealthLedger.Core.Encoding;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Replaces the network policy (<see cref="NetworkPolicy"/>, state <see cref="StateKeys.Policy"/>) from this block on: signed
/// by an admin of the organisation that holds it (the founding organisation), and only while that
/// organisation's approval alone meets the governance policy's ChangeNetworkPolicy rule (one active organisation under the
/// default policy); otherwise the consortium changes it with a <see cref="ChangeNetworkPolicyAction"/> proposal. It must follow the current version. Care relationships that started or ended before it keep the
/// end they were given; the new periods apply to discharges and visits in later transactions.
/// </summary>
/// <param name="Version">The new version: the current one plus one (the genesis block sets version 1).</param>
/// <param name="Policy">The whole policy as it is to be.</param>
public sealed record ConfigurePolicyPayload(int Version, NetworkPolicy Policy) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ConfigurePolicy;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.VarUInt((ulong)Version);
        Policy.Write(writer);
    }
}

/// <summary>Executes <see cref="ConfigurePolicyPayload"/>.</summary>
public sealed class ConfigurePolicyHandler : TxKindHandler<ConfigurePolicyPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ConfigurePolicy;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out ConfigurePolicyPayload payload)
    {
        r.VarInt32(out var version, int.MaxValue, "version");
        NetworkPolicy.TryRead(ref r, out var policy);
        payload = new ConfigurePolicyPayload(version, policy);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(ConfigurePolicyPayload p)
    {
        if (p.Version < 2) return Invalid("version", "must be 2 or more (the genesis block sets version 1)");
        return p.Policy.Problems() is [var (field, problem), ..] ? Invalid(field, problem) : TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, ConfigurePolicyPayload p)
    {
        if (PolicyState.Read(context.State) is not { } current) return TxResult.Reject(TxVerdict.NotFound, "the network has no policy record");
        if (context.RequireAdminOf(current.OrganisationId, "change the network policy") is { } denied) return denied;
        var needed = GovernancePolicy.Read(context.State).Rule(GovernanceAction.ChangeNetworkPolicy).Needed(Consortium.GoverningOrganisations(context.State).Count);
        if (needed > 1)
        {
            return TxResult.Reject(TxVerdict.Unauthorized,
                $"changing the network policy needs the approval of {needed} governing organisations (active, not rescue services) under the governance policy; one organisation may not change it alone: propose change-network-policy to the consortium");
        }
        var expected = current.Version + 1;
        if (p.Version != expected) return TxResult.Reject(TxVerdict.Conflict, $"version: the policy is at version {current.Version}; the change must be version {expected}");
        context.State.Set(StateKeys.Policy, new PolicyState(p.Version, current.OrganisationId, p.Policy, new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        return TxResult.Ok;
    }
}
