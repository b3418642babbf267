using System.Security.Cryptography;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Emergencies;

/// <summary>
/// Declared emergencies at this node: the list (every signed-in user: the banner), and an admin's declaration, extension
/// and early end, each a consortium proposal (<see cref="ProposePayload"/> signed with the admin's key) that the other
/// organisations approve with the ordinary vote (<c>POST /api/v1/consortium/proposals/{id}/votes</c>), under the policy's
/// emergency rules. Checked against the state first, so a refusal writes nothing and names its field. Also registers the
/// logins of a rescuer organisation's medics (role rescuer).
/// </summary>
public sealed class EmergencyService(LedgerNode node, RecordWriter writer, ConsortiumService consortium, TimeProvider clock)
{
    private IStateReader State => new NodeStateReader(node);

    private ulong Now => (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Every emergency, those in force first, then newest first.</summary>
    public IReadOnlyList<EmergencyResponse> List()
    {
        var state = State;
        var now = Now;
        return EmergencyState.Ids(state).Select(id => EmergencyState.Get(state, id)).OfType<EmergencyState>()
            .Select(e => EmergencyResponse.From(e, now)).OrderBy(e => e.Active ? 0 : 1).ThenByDescending(e => e.DeclaredAt).ToList();
    }

    /// <summary>One emergency.</summary>
    public Outcome<EmergencyResponse> Get(string id) => EmergencyState.Get(State, id) is { } e
        ? Outcome<EmergencyResponse>.Ok(EmergencyResponse.From(e, Now))
        : Outcome<EmergencyResponse>.NotFound(Missing.Message("Emergency", id));

    /// <summary>Proposes a declaration as the admin's organisation (proposal id "declare-{id}").</summary>
    public async Task<Outcome<ProposalView>> DeclareAsync(UserSession actor, EmergencyInput input, CancellationToken ct)
    {
        if (!consortium.MayVote(actor)) return Outcome<ProposalView>.Forbidden("Only an admin of an active member organisation may declare an emergency.");
        var (action, errors) = input.Validate(clock.GetUtcNow(), "em-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        if (action is null) return Outcome<ProposalView>.Invalid(errors);
        return await ProposeAsync(actor, "declare-" + action.EmergencyId, action, ct);
    }

    /// <summary>Proposes ending an emergency early.</summary>
    public Task<Outcome<ProposalView>> EndAsync(UserSession actor, string id, CancellationToken ct) =>
        ChangeAsync(actor, new EmergencyChangeAction(GovernanceAction.EndEmergency, id, 0), "end-", ct);

    /// <summary>Proposes extending an emergency to <see cref="EmergencyChangeInput.EndsAt"/>.</summary>
    public Task<Outcome<ProposalView>> ExtendAsync(UserSession actor, string id, EmergencyChangeInput input, CancellationToken ct)
    {
        if (input.EndsAt is not { } ends) return Task.FromResult(Outcome<ProposalView>.Invalid(FieldErrors.One("endsAt", "The new end is required.")));
        return ChangeAsync(actor, new EmergencyChangeAction(GovernanceAction.ExtendEmergency, id, (ulong)Math.Max(0, ends.ToUnixTimeMilliseconds())), "extend-", ct);
    }

    /// <summary>An admin registers a rescuer login of their organisation (its keys on the chain, its sealed login at its organisation's nodes).</summary>
    public async Task<Outcome<RescuerResponse>> RegisterRescuerAsync(UserSession actor, RescuerInput input, CancellationToken ct)
    {
        if (actor.Role != Role.Admin) return Outcome<RescuerResponse>.Forbidden("Only an admin may register a rescuer.");
        var userId = input.UserId?.Trim();
        if (!Identifiers.IsValid(userId)) return Outcome<RescuerResponse>.Invalid(FieldErrors.One("userId", $"A user id is {Identifiers.Rule}."));
        if (node.GetState(StateKeys.User(userId!)) is not null) return Outcome<RescuerResponse>.Invalid(FieldErrors.One("userId", $"User id '{userId}' is taken."));
        // The same registration path as every login (RecordWriter: the keys kept for one the ledger took but did not commit in time).
        var written = await writer.RegisterWithLoginAsync(actor, userId!,
            keys => new RegisterUserPayload(userId!, Role.Rescuer, actor.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey),
            FieldErrors.One("userId", $"User id '{userId}' is taken."), ct);
        if (!written.IsOk) return written.As<RescuerResponse>();
        return Outcome<RescuerResponse>.Ok(new RescuerResponse(userId!, actor.OrganisationId, written.Value!.OneTimePassword!));
    }

    private async Task<Outcome<ProposalView>> ChangeAsync(UserSession actor, EmergencyChangeAction action, string prefix, CancellationToken ct)
    {
        if (!consortium.MayVote(actor)) return Outcome<ProposalView>.Forbidden($"Only an admin of an active member organisation may {GovernanceNames.Of(action.Action).Replace('-', ' ')}.");
        if (!Identifiers.IsValid(action.EmergencyId) || EmergencyState.Get(State, action.EmergencyId) is null) return Outcome<ProposalView>.NotFound(Missing.Message("Emergency", action.EmergencyId));
        var suffix = "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var id = prefix + (action.EmergencyId.Length + prefix.Length + suffix.Length > Identifiers.MaxLength ? action.EmergencyId[..(Identifiers.MaxLength - prefix.Length - suffix.Length)] : action.EmergencyId) + suffix;
        return await ProposeAsync(actor, id, action, ct);
    }

    private async Task<Outcome<ProposalView>> ProposeAsync(UserSession actor, string proposalId, ProposedAction action, CancellationToken ct)
    {
        if (proposalId.Length > Identifiers.MaxLength) return Outcome<ProposalView>.Invalid(FieldErrors.One("id", $"An emergency id is at most {Identifiers.MaxLength - 8} characters."));
        if (node.GetState(StateKeys.Proposal(proposalId)) is not null) return Outcome<ProposalView>.Conflict(FieldErrors.One("id", $"Proposal '{proposalId}' exists already."), $"Proposal '{proposalId}' exists already.");
        var context = new TxContext(new StateOverlay(State), node.Tip.Height + 1, Math.Max(Now, node.Tip.Timestamp), new SignerRecord(SignerKind.User, actor.UserId));
        var check = Core.Governance.Consortium.CheckProposal(context, action);
        if (!check.IsOk)
        {
            var reason = check.Reason;
            var colon = reason.IndexOf(':', StringComparison.Ordinal);
            var field = colon > 0 && reason[..colon].All(c => char.IsAsciiLetter(c) || c == '.') ? reason[..colon] : "emergency";
            var message = colon > 0 && field != "emergency" ? reason[(colon + 1)..].Trim() : reason;
            var errors = FieldErrors.One(field, char.ToUpperInvariant(message[0]) + message[1..] + ".");
            return check.Verdict is TxVerdict.InvalidField or TxVerdict.NotFound || field is "scope" or "rescuers"
                ? Outcome<ProposalView>.Invalid(errors)
                : Outcome<ProposalView>.Conflict(errors, $"The emergency cannot be {(action is DeclareEmergencyAction ? "declared" : "changed")}: {reason}.");
        }
        var written = await writer.SubmitAsync(actor, new ProposePayload(proposalId, action), RecordWriter.NoBlobs, proposalId, ct);
        if (!written.IsOk) return written.As<ProposalView>();
        return consortium.Proposal(actor, proposalId);
    }
}
