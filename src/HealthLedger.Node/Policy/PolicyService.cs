using HealthLedger.Core.Governance;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Policy;

/// <summary>
/// The network policy (how long care relationships last): everyone logged in reads it (the sharing page shows it next to
/// the care relationships). Where one organisation's approval meets the governance policy's change-network-policy rule (a
/// network with one active organisation), an admin of the organisation that holds it changes it with a
/// <see cref="ConfigurePolicyPayload"/>, which every node applies from its block on; in a consortium, any admin of an active
/// member organisation proposes the change instead (<see cref="ConsortiumService.ProposeAsync"/>, action
/// change-network-policy), and it applies once enough organisations approve.
/// </summary>
public sealed class PolicyService(LedgerNode node, RecordWriter writer, ConsortiumService consortium)
{
    /// <summary>The policy record on the chain (version 0 with the defaults when the chain holds none).</summary>
    public PolicyState Current =>
        node.GetState(StateKeys.Policy) is { } bytes && PolicyState.TryDecode(bytes) is { } state
            ? state
            : new PolicyState(0, "", NetworkPolicy.Default, new Core.Records.RecordProof(default, 0, 0));

    /// <summary>True when a change needs the consortium's approval (a proposal) rather than one organisation's admin.</summary>
    public bool ByProposal => consortium.Needed(GovernanceAction.ChangeNetworkPolicy) > 1;

    /// <summary>The policy (any logged-in user).</summary>
    public Outcome<PolicyState> Get(UserSession actor) => Outcome<PolicyState>.Ok(Current);

    /// <summary>
    /// Changes the policy: applied at once by an admin of the organisation that holds it where one organisation may change it,
    /// otherwise proposed to the consortium by an admin of an active member organisation (<see cref="PolicyChange.Proposed"/>).
    /// Bad values are field errors (400); the client names the version it changes (<see cref="PolicyInput.Version"/> or
    /// <paramref name="ifMatch"/>, <see cref="EditedVersion"/>): none is 400 naming <c>version</c>, one that is no longer the
    /// current one 409 naming <c>version</c> and the current version; anyone else is 403 naming who may. Nothing is written
    /// or proposed on any refusal.
    /// </summary>
    public async Task<Outcome<PolicyChange>> SaveAsync(UserSession actor, PolicyInput input, string? ifMatch, CancellationToken ct)
    {
        var current = Current;
        var byProposal = ByProposal;
        if (actor.Role != Role.Admin || (!byProposal && actor.OrganisationId != current.OrganisationId))
        {
            return Outcome<PolicyChange>.Forbidden(byProposal
                ? "Only an admin of a member organisation may propose a change of the network policy."
                : $"Only an admin of organisation '{current.OrganisationId}' may change the network policy.");
        }
        var (policy, errors) = input.Validate();
        if (policy is null) return Outcome<PolicyChange>.Invalid(errors);
        if (EditedVersion.Check<PolicyChange>(input.Version, ifMatch, current.Version, What, first: 0) is { } stale) return stale;
        if (byProposal)
        {
            // The proposal replaces the version edited: a second proposal from the same version cannot apply after the first.
            input.Version = current.Version;
            var proposed = await consortium.ProposeAsync(actor, new ProposalInput { Action = GovernanceNames.Of(GovernanceAction.ChangeNetworkPolicy), NetworkPolicy = input }, ct);
            return proposed.IsOk ? Outcome<PolicyChange>.Ok(new PolicyChange(null, proposed.Value)) : proposed.As<PolicyChange>();
        }
        var written = await writer.SubmitAsync(actor, new ConfigurePolicyPayload(current.Version + 1, policy), RecordWriter.NoBlobs, StateKeys.Policy, ct);
        // Another change committed between the check and this one: the state machine refused this one (version does not follow).
        if (written.Kind == OutcomeKind.Conflict && Current.Version != current.Version) return EditedVersion.Stale<PolicyChange>(current.Version, Current.Version, What);
        return written.IsOk ? Outcome<PolicyChange>.Ok(new PolicyChange(Current, null)) : written.As<PolicyChange>();
    }

    private const string What = "network policy";
}
