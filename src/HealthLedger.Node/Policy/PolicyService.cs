using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Policy;

/// <summary>
/// The network policy (how long care relationships last): everyone logged in reads it (the sharing page shows it next to
/// the care relationships); an admin of the organisation that holds it changes it with a <see cref="ConfigurePolicyPayload"/>,
/// which every node applies from its block on.
/// </summary>
public sealed class PolicyService(LedgerNode node, RecordWriter writer)
{
    /// <summary>The policy record on the chain (version 0 with the defaults when the chain holds none).</summary>
    public PolicyState Current =>
        node.GetState(StateKeys.Policy) is { } bytes && PolicyState.TryDecode(bytes) is { } state
            ? state
            : new PolicyState(0, "", NetworkPolicy.Default, new Core.Records.RecordProof(default, 0, 0));

    /// <summary>The policy (any logged-in user).</summary>
    public Outcome<PolicyState> Get(UserSession actor) => Outcome<PolicyState>.Ok(Current);

    /// <summary>
    /// Replaces the policy (an admin of the organisation that holds it). Bad values are field errors (400); a version given
    /// that is no longer the current one is 409 naming <c>version</c>.
    /// </summary>
    public async Task<Outcome<PolicyState>> SaveAsync(UserSession actor, PolicyInput input, CancellationToken ct)
    {
        var current = Current;
        if (actor.Role != Role.Admin || actor.OrganisationId != current.OrganisationId)
        {
            return Outcome<PolicyState>.Forbidden($"Only an admin of organisation '{current.OrganisationId}' may change the network policy.");
        }
        var (policy, errors) = input.Validate();
        if (policy is null) return Outcome<PolicyState>.Invalid(errors);
        if (input.Version is { } expected && expected != current.Version)
        {
            return Outcome<PolicyState>.Conflict(FieldErrors.One("version", $"The policy changed meanwhile (it is at version {current.Version}); reload it and try again."), "The policy changed meanwhile.");
        }
        var written = await writer.SubmitAsync(actor, new ConfigurePolicyPayload(current.Version + 1, policy), RecordWriter.NoBlobs, StateKeys.Policy, ct);
        return written.IsOk ? Get(actor) : written.As<PolicyState>();
    }
}
