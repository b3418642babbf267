using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;

namespace HealthLedger.Core.Governance;

/// <summary>
/// The consortium's rules over the state: who is a member, who may act, how many approvals an action needs, and the
/// one place that applies an approved action (<see cref="Apply"/>, also used by <c>ConfigureNodes</c>). Pure: block time
/// comes from the <see cref="TxContext"/>.
/// </summary>
public static class Consortium
{
    /// <summary>Most organisations (of any status) a network may have.</summary>
    public const int MaxOrganisations = 100;

    /// <summary>Every organisation's id (any status), in id order.</summary>
    public static IReadOnlyList<string> OrganisationIds(IStateReader state) => IdList.Read(state, StateKeys.Organisations, MaxOrganisations);

    /// <summary>The ids of an organisation's nodes, voting or not, in id order.</summary>
    public static IReadOnlyList<string> NodesOf(IStateReader state, string organisationId) =>
        IdList.Read(state, StateKeys.OrganisationNodes(organisationId), ValidatorSet.MaxNodes);

    /// <summary>Reads an organisation.</summary>
    public static OrganisationRecord? GetOrganisation(IStateReader state, string id) =>
        state.TryGet(StateKeys.Organisation(id), out var v) ? OrganisationRecord.TryDecode(v) : null;

    /// <summary>The ids of the active member organisations.</summary>
    public static IReadOnlySet<string> ActiveOrganisations(IStateReader state) =>
        OrganisationIds(state).Where(id => GetOrganisation(state, id)?.Status == OrganisationStatus.Active).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The ids of the organisations that govern: active members that are not rescue services (<see cref="IsRescueService"/>).
    /// Thresholds count them, and only their admins propose and vote.
    /// </summary>
    public static IReadOnlySet<string> GoverningOrganisations(IStateReader state) =>
        OrganisationIds(state).Where(id => GetOrganisation(state, id)?.Status == OrganisationStatus.Active && !IsRescueService(state, id)).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// True when <paramref name="organisationId"/> was admitted through an emergency declaration (a joining rescue service,
    /// <see cref="StateKeys.RescueService"/>): it takes no part in governance, its admin registers only rescuers, and its users
    /// break the glass only under an emergency in force that admits it.
    /// </summary>
    public static bool IsRescueService(IStateReader state, string organisationId) => RescueServiceEmergency(state, organisationId) is not null;

    /// <summary>The id of the emergency whose declaration admitted <paramref name="organisationId"/> as a rescue service, or null (a full member).</summary>
    public static string? RescueServiceEmergency(IStateReader state, string organisationId)
    {
        if (!state.TryGet(StateKeys.RescueService(organisationId), out var bytes)) return null;
        var r = new Encoding.CanonicalReader(bytes);
        // A damaged marker still marks the organisation: err toward the restriction.
        return r.U8(out var version) && version == RescueServiceVersion && r.Text(out var id, Identifiers.MaxLength, "emergency id") && r.End() ? id : "?";
    }

    /// <summary>
    /// Why an admin of <paramref name="organisationId"/> may not register a user of <paramref name="role"/> because the
    /// organisation is a rescue service (it registers only rescuers), or null.
    /// </summary>
    public static TxResult? RescueServiceRegistrationProblem(IStateReader state, string organisationId, Role role)
    {
        if (role == Role.Rescuer || RescueServiceEmergency(state, organisationId) is not { } emergencyId) return null;
        return TxResult.Reject(TxVerdict.Unauthorized,
            $"organisation '{organisationId}' is a rescue service admitted with emergency '{emergencyId}': its admin registers only rescuers, not a {role.ToString().ToLowerInvariant()}");
    }

    /// <summary>How far before its proposal's block time a declaration may start: 1 hour (ms).</summary>
    public const ulong MaxDeclarationBackdateMs = 60 * 60 * 1000;

    /// <summary>
    /// Approvals of governing organisations <paramref name="action"/> needs now: its rule's threshold over
    /// <see cref="GoverningOrganisations"/>; for a declaration admitting joining rescue services whose nodes will vote, the
    /// stricter of the emergency rule and the <see cref="GovernanceAction.AddOrganisation"/> rule (it grows the validator set).
    /// </summary>
    public static int Needed(IStateReader state, ProposedAction action)
    {
        var policy = GovernancePolicy.Read(state);
        var governing = GoverningOrganisations(state).Count;
        var needed = policy.Rule(action.Action).Needed(governing);
        if (action is DeclareEmergencyAction { NewRescuerNodesVote: true } d && d.NewRescuers.Count > 0)
        {
            needed = Math.Max(needed, policy.Rule(GovernanceAction.AddOrganisation).Needed(governing));
        }
        return needed;
    }

    /// <summary>
    /// Checks a new proposal of <paramref name="action"/> at the proposal's block time, writing nothing: the action's own
    /// fields, the rules that hold only when proposing — a declaration starts at most <see cref="MaxDeclarationBackdateMs"/>
    /// before it (<c>InvalidField</c>), one open end or extend proposal per emergency (<c>Conflict</c> naming it) — then
    /// <see cref="Check"/> against the state.
    /// </summary>
    public static TxResult CheckProposal(TxContext context, ProposedAction action)
    {
        if (action.Problem() is { } problem) return TxResult.Reject(TxVerdict.InvalidField, problem);
        if (action is DeclareEmergencyAction d && context.Timestamp > MaxDeclarationBackdateMs && d.StartsAt < context.Timestamp - MaxDeclarationBackdateMs)
        {
            return TxResult.Reject(TxVerdict.InvalidField, "startsAt: a declaration may start at most 1 hour before it is proposed (it is in force from its approval on)");
        }
        if (action is EmergencyChangeAction e && OpenEmergencyChange(context.State, e.EmergencyId, context.Timestamp) is { } open)
        {
            var what = open.Action.Action == GovernanceAction.EndEmergency ? "end" : "extend";
            return TxResult.Reject(TxVerdict.Conflict,
                $"emergencyId: proposal '{open.Id}' to {what} emergency '{e.EmergencyId}' is open: vote on it or withdraw it before proposing another change");
        }
        return Check(context, action);
    }

    /// <summary>The open, unexpired proposal to end or extend <paramref name="emergencyId"/> at block time <paramref name="now"/>, or null.</summary>
    public static ProposalState? OpenEmergencyChange(IStateReader state, string emergencyId, ulong now)
    {
        if (!state.TryGet(StateKeys.EmergencyChangeProposal(emergencyId), out var bytes)) return null;
        var r = new Encoding.CanonicalReader(bytes);
        if (!(r.U8(out var version) && version == RescueServiceVersion && r.Text(out var id, Identifiers.MaxLength, "proposal id") && r.End())) return null;
        return GetProposal(state, id) is { Status: ProposalStatus.Open } proposal && now < proposal.ExpiresAt ? proposal : null;
    }

    /// <summary>Records <paramref name="proposal"/> as the latest change proposal of its emergency when it ends or extends one.</summary>
    internal static void NoteProposal(StateOverlay state, ProposalState proposal)
    {
        if (proposal.Action is EmergencyChangeAction e)
        {
            state.Set(StateKeys.EmergencyChangeProposal(e.EmergencyId), new Encoding.CanonicalWriter(64).U8(RescueServiceVersion).Text(proposal.Id).ToArray());
        }
    }

    private const byte RescueServiceVersion = 1;

    /// <summary>Reads a proposal.</summary>
    public static ProposalState? GetProposal(IStateReader state, string id) =>
        state.TryGet(StateKeys.Proposal(id), out var v) ? ProposalState.TryDecode(v) : null;

    /// <summary>
    /// Why <paramref name="signer"/> may not sign because its organisation is suspended or removed, or null. Checked for
    /// every transaction (<c>SignerCheck</c>), at the door and in blocks.
    /// </summary>
    public static string? InactiveSignerProblem(IStateReader state, SignerRecord signer)
    {
        var organisationId = signer.Kind switch
        {
            SignerKind.Organisation => signer.Id,
            SignerKind.User => state.TryGet(StateKeys.User(signer.Id), out var u) ? UserRecord.TryDecode(u)?.OrganisationId : null,
            SignerKind.Node => state.TryGet(StateKeys.Node(signer.Id), out var n) ? NodeRecord.TryDecode(n)?.OrganisationId : null,
            _ => null,
        };
        if (organisationId is null || GetOrganisation(state, organisationId) is not { } organisation) return null;
        return organisation.Status == OrganisationStatus.Active
            ? null
            : $"organisation '{organisationId}' is {organisation.Status.ToString().ToLowerInvariant()}: its users, nodes and key cannot sign";
    }

    /// <summary>
    /// Null when the signer is an admin of an active member organisation that governs (not a rescue service; returned in
    /// <paramref name="admin"/>); otherwise the rejection (<c>Unauthorized</c>).
    /// </summary>
    public static TxResult? RequireMemberAdmin(TxContext context, string what, out UserRecord admin)
    {
        admin = null!;
        if (context.SignerUser is not { Role: Role.Admin } user)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"only an admin of an active member organisation may {what}");
        }
        if (context.GetOrganisation(user.OrganisationId) is not { Status: OrganisationStatus.Active })
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"organisation '{user.OrganisationId}' is not an active member: its admins may not {what}");
        }
        if (RescueServiceEmergency(context.State, user.OrganisationId) is { } emergencyId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized,
                $"organisation '{user.OrganisationId}' is a rescue service admitted with emergency '{emergencyId}': it takes no part in governance, so its admins may not {what}");
        }
        admin = user;
        return null;
    }

    /// <summary>The organisation whose own resource the action changes (node actions only: the node's organisation), or null.</summary>
    public static string? OwnerOf(IStateReader state, ProposedAction action) => action switch
    {
        NodeAction { Kind: GovernanceAction.AddNode } add => add.Node.OrganisationId,
        NodeAction replace => GetNode(state, replace.Node.Id)?.OrganisationId,
        RemoveNodeAction remove => GetNode(state, remove.NodeId)?.OrganisationId,
        _ => null,
    };

    /// <summary>
    /// True when <paramref name="organisationId"/> may apply <paramref name="action"/> alone: the policy lets one organisation
    /// do it to its own resource and the resource is its own, or its single approval already meets the threshold (a network
    /// with one governing organisation; never a rescue service's). <paramref name="needed"/> is the number of approvals the
    /// threshold asks for (<see cref="Needed"/>).
    /// </summary>
    public static bool MayActAlone(IStateReader state, ProposedAction action, string organisationId, out int needed)
    {
        var rule = GovernancePolicy.Read(state).Rule(action.Action);
        needed = Needed(state, action);
        var ownResource = rule.SelfService && OwnerOf(state, action) == organisationId;
        return ownResource || (needed <= 1 && !IsRescueService(state, organisationId));
    }

    /// <summary>Checks <paramref name="action"/> against the current state without writing anything.</summary>
    public static TxResult Check(TxContext context, ProposedAction action) => Apply(context with { State = new StateOverlay(context.State) }, action);

    /// <summary>
    /// Applies an approved action to the transaction's overlay. A rejection leaves the overlay partly written: the executor
    /// discards a rejected transaction's overlay, so nothing is written.
    /// </summary>
    public static TxResult Apply(TxContext context, ProposedAction action)
    {
        if (action.Problem() is { } problem) return TxResult.Reject(TxVerdict.InvalidField, problem);
        return action switch
        {
            AddOrganisationAction add => AddOrganisation(context, add),
            OrganisationStatusAction { Kind: GovernanceAction.SuspendOrganisation } s => Suspend(context, s.OrganisationId),
            OrganisationStatusAction { Kind: GovernanceAction.ReinstateOrganisation } s => Reinstate(context, s.OrganisationId),
            OrganisationStatusAction s => Remove(context, s.OrganisationId),
            NodeAction { Kind: GovernanceAction.AddNode } n => AddNode(context, n.Node),
            NodeAction n => ReplaceNode(context, n.Node),
            RemoveNodeAction r => RemoveNode(context, r.NodeId),
            ChangePolicyAction p => ChangePolicy(context, p.Policy),
            ChangeNetworkPolicyAction n => ChangeNetworkPolicy(context, n.Policy, n.BasedOnVersion),
            DeclareEmergencyAction d => DeclareEmergency(context, d),
            EmergencyChangeAction e => EmergencyChangeAction.Apply(context, e),
            _ => TxResult.Reject(TxVerdict.InvalidField, $"action: {action.Action} cannot be applied"),
        };
    }

    /// <summary>
    /// Settles a proposal after a vote (the proposer's included) and writes it: when the approvals of governing organisations
    /// (<see cref="GoverningOrganisations"/>) reach the threshold (<see cref="Needed"/>) (or <paramref name="alone"/>: the proposer may act alone), its action is applied now, so it holds
    /// from the next block; when the rejections leave the threshold out of reach, it is closed as rejected; otherwise it stays
    /// open. An approved action that no longer applies (e.g. its key was taken since) refuses the transaction and writes nothing.
    /// </summary>
    public static TxResult Settle(TxContext context, ProposalState proposal, bool alone = false)
    {
        var active = GoverningOrganisations(context.State);
        var needed = Needed(context.State, proposal.Action);
        var approvals = proposal.Votes.Count(v => v.Approve && active.Contains(v.OrganisationId));
        var rejections = proposal.Votes.Count(v => !v.Approve && active.Contains(v.OrganisationId));
        if (alone || approvals >= needed)
        {
            var applied = Apply(context, proposal.Action);
            if (!applied.IsOk) return TxResult.Reject(applied.Verdict, $"proposal '{proposal.Id}' is approved but cannot be applied: {applied.Reason}");
            proposal = proposal with { Status = ProposalStatus.Executed, ClosedAt = context.Timestamp };
        }
        else if (active.Count - rejections < needed)
        {
            proposal = proposal with { Status = ProposalStatus.Rejected, ClosedAt = context.Timestamp };
        }
        context.State.Set(StateKeys.Proposal(proposal.Id), proposal.Encode());
        return TxResult.Ok;
    }

    private static NodeRecord? GetNode(IStateReader state, string id) => state.TryGet(StateKeys.Node(id), out var v) ? NodeRecord.TryDecode(v) : null;

    // Admits an organisation with its nodes; voting: its nodes join the validator set, else they are observers.
    private static TxResult AddOrganisation(TxContext context, AddOrganisationAction a, bool voting = true)
    {
        var state = context.State;
        var org = a.Organisation;
        if (state.Contains(StateKeys.Organisation(org.Id))) return TxResult.Reject(TxVerdict.AlreadyExists, $"organisation id '{org.Id}' is taken");
        var ids = OrganisationIds(state);
        if (ids.Count >= MaxOrganisations) return TxResult.Reject(TxVerdict.Conflict, $"the network already has {MaxOrganisations} organisations");
        if (RequireUnusedKey(state, org.SigningKey, "the organisation's signing key") is { } used) return used;
        // Encryption keys too: whatever is wrapped for the newcomer must not open with another member's key.
        foreach (var otherId in ids)
        {
            if (GetOrganisation(state, otherId) is not { } other) continue;
            if (other.EncryptionKey == org.EncryptionKey) return EncryptionKeyInUse("the organisation's encryption key", other.Id);
            if (other.EncryptionKey == a.AdminEncryptionKey) return EncryptionKeyInUse("the admin's encryption key", other.Id);
        }
        if (a.AdminEncryptionKey == org.EncryptionKey) return TxResult.Reject(TxVerdict.InvalidField, "admin.encryptionKey: the admin's encryption key must differ from the organisation's");
        if (context.RequireNewUser(a.AdminId, a.AdminSigningKey) is { } taken) return taken;
        state.Set(StateKeys.Organisation(org.Id), org.Encode());
        state.Set(StateKeys.Signer(org.SigningKey), new SignerRecord(SignerKind.Organisation, org.Id).Encode());
        state.Set(StateKeys.Organisations, IdList.Encode(ids.Append(org.Id)));
        context.CreateUser(a.AdminId, Role.Admin, org.Id, a.AdminSigningKey, a.AdminEncryptionKey);
        foreach (var node in a.Nodes)
        {
            if (AddNode(context, node, voting) is { IsOk: false } refused) return refused;
        }
        return TxResult.Ok;
    }

    private static TxResult Suspend(TxContext context, string organisationId)
    {
        var state = context.State;
        if (GetOrganisation(state, organisationId) is not { } org) return NotFound(organisationId);
        if (org.Status != OrganisationStatus.Active) return NotActive(org);
        if (ActiveOrganisations(state).Count == 1) return TxResult.Reject(TxVerdict.Conflict, "the last active organisation cannot be suspended");
        if (LastGoverning(state, organisationId) is { } last0) return last0;
        if (LeaveValidators(state, NodesOf(state, organisationId)) is { } last) return last;
        state.Set(StateKeys.Organisation(organisationId), (org with { Status = OrganisationStatus.Suspended }).Encode());
        return TxResult.Ok;
    }

    private static TxResult Reinstate(TxContext context, string organisationId)
    {
        var state = context.State;
        if (GetOrganisation(state, organisationId) is not { } org) return NotFound(organisationId);
        if (org.Status != OrganisationStatus.Suspended) return TxResult.Reject(TxVerdict.Conflict, $"organisation '{organisationId}' is {Describe(org.Status)}, not suspended");
        var validators = ValidatorSet.Ids(state).Union(NodesOf(state, organisationId).Except(ValidatorSet.ObserverIds(state))).ToList();
        if (validators.Count > ValidatorSet.MaxNodes) return TxResult.Reject(TxVerdict.Conflict, $"its nodes would make more than {ValidatorSet.MaxNodes} voting nodes");
        state.Set(StateKeys.Validators, ValidatorSet.Encode(validators));
        state.Set(StateKeys.Organisation(organisationId), (org with { Status = OrganisationStatus.Active }).Encode());
        return TxResult.Ok;
    }

    private static TxResult Remove(TxContext context, string organisationId)
    {
        var state = context.State;
        if (GetOrganisation(state, organisationId) is not { } org) return NotFound(organisationId);
        if (org.Status == OrganisationStatus.Removed) return TxResult.Reject(TxVerdict.Conflict, $"organisation '{organisationId}' is already removed");
        if (org.Status == OrganisationStatus.Active && ActiveOrganisations(state).Count == 1)
        {
            return TxResult.Reject(TxVerdict.Conflict, "the last active organisation cannot be removed");
        }
        if (org.Status == OrganisationStatus.Active && LastGoverning(state, organisationId) is { } lastGoverning) return lastGoverning;
        var nodes = NodesOf(state, organisationId);
        if (LeaveValidators(state, nodes) is { } last) return last;
        foreach (var id in nodes)
        {
            if (GetNode(state, id) is { } node) state.Delete(StateKeys.Signer(node.SigningKey));
            state.Delete(StateKeys.Node(id));
        }
        state.Delete(StateKeys.OrganisationNodes(organisationId));
        LeaveObservers(state, nodes);
        state.Set(StateKeys.Organisation(organisationId), (org with { Status = OrganisationStatus.Removed }).Encode());
        return TxResult.Ok;
    }

    // Refuses to take away the last organisation that governs (only rescue services would be left, and none of them may propose).
    private static TxResult? LastGoverning(IStateReader state, string organisationId) =>
        GoverningOrganisations(state) is { Count: 1 } governing && governing.Contains(organisationId)
            ? TxResult.Reject(TxVerdict.Conflict, $"organisation '{organisationId}' is the last one that governs (the others are rescue services): it cannot be suspended or removed")
            : null;

    // Takes nodes out of the validator set; refuses to leave it empty.
    private static TxResult? LeaveValidators(StateOverlay state, IReadOnlyList<string> nodes)
    {
        var validators = ValidatorSet.Ids(state);
        var remaining = validators.Except(nodes).ToList();
        if (remaining.Count == 0) return TxResult.Reject(TxVerdict.Conflict, "that would remove the last voting node");
        if (remaining.Count != validators.Count) state.Set(StateKeys.Validators, ValidatorSet.Encode(remaining));
        return null;
    }

    // Takes nodes out of the observer list (deleting it when it becomes empty).
    private static void LeaveObservers(StateOverlay state, IReadOnlyList<string> nodes)
    {
        var observers = ValidatorSet.ObserverIds(state);
        var remaining = observers.Except(nodes).ToList();
        if (remaining.Count == observers.Count) return;
        if (remaining.Count == 0) state.Delete(StateKeys.Observers);
        else state.Set(StateKeys.Observers, ValidatorSet.Encode(remaining));
    }

    // Writes a node; voting: into the validator set (from the next block), else into the observer list (replicates, never votes).
    private static TxResult AddNode(TxContext context, NodeRecord node, bool voting = true)
    {
        var state = context.State;
        if (state.Contains(StateKeys.Node(node.Id))) return TxResult.Reject(TxVerdict.AlreadyExists, $"node '{node.Id}' already exists");
        if (GetOrganisation(state, node.OrganisationId) is not { } org) return NotFound(node.OrganisationId);
        if (org.Status != OrganisationStatus.Active) return NotActive(org);
        var validators = ValidatorSet.Ids(state);
        var observers = ValidatorSet.ObserverIds(state);
        if ((voting ? validators : observers).Count >= ValidatorSet.MaxNodes)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"the network already has {ValidatorSet.MaxNodes} {(voting ? "voting" : "observer")} nodes");
        }
        if (RequireUnusedKey(state, node.SigningKey, "key " + node.SigningKey) is { } used) return used;
        if (RequireUnusedAddress(state, node) is { } sameAddress) return sameAddress;
        state.Set(StateKeys.Node(node.Id), node.Encode());
        state.Set(StateKeys.Signer(node.SigningKey), new SignerRecord(SignerKind.Node, node.Id).Encode());
        state.Set(StateKeys.OrganisationNodes(node.OrganisationId), IdList.Encode(NodesOf(state, node.OrganisationId).Append(node.Id)));
        if (voting) state.Set(StateKeys.Validators, ValidatorSet.Encode(validators.Append(node.Id)));
        else state.Set(StateKeys.Observers, ValidatorSet.Encode(observers.Append(node.Id)));
        return TxResult.Ok;
    }

    private static TxResult RemoveNode(TxContext context, string nodeId)
    {
        var state = context.State;
        if (GetNode(state, nodeId) is not { } existing) return TxResult.Reject(TxVerdict.NotFound, $"node '{nodeId}' does not exist");
        var validators = ValidatorSet.Ids(state);
        if (validators.Count == 1 && validators[0] == nodeId) return TxResult.Reject(TxVerdict.Conflict, "the last voting node cannot be removed");
        state.Delete(StateKeys.Node(nodeId));
        state.Delete(StateKeys.Signer(existing.SigningKey));
        var siblings = NodesOf(state, existing.OrganisationId).Where(id => id != nodeId).ToList();
        if (siblings.Count == 0) state.Delete(StateKeys.OrganisationNodes(existing.OrganisationId));
        else state.Set(StateKeys.OrganisationNodes(existing.OrganisationId), IdList.Encode(siblings));
        if (validators.Contains(nodeId)) state.Set(StateKeys.Validators, ValidatorSet.Encode(validators.Where(id => id != nodeId)));
        LeaveObservers(state, [nodeId]);
        return TxResult.Ok;
    }

    private static TxResult ReplaceNode(TxContext context, NodeRecord node)
    {
        var state = context.State;
        if (GetNode(state, node.Id) is not { } existing) return TxResult.Reject(TxVerdict.NotFound, $"node '{node.Id}' does not exist");
        if (node.OrganisationId != existing.OrganisationId) return TxResult.Reject(TxVerdict.InvalidField, "node.organisationId: a node cannot move to another organisation");
        if (GetOrganisation(state, existing.OrganisationId) is { Status: not OrganisationStatus.Active } org) return NotActive(org);
        if (node.SigningKey != existing.SigningKey)
        {
            if (RequireUnusedKey(state, node.SigningKey, "key " + node.SigningKey) is { } used) return used;
            state.Delete(StateKeys.Signer(existing.SigningKey));
        }
        if (RequireUnusedAddress(state, node) is { } sameAddress) return sameAddress;
        state.Set(StateKeys.Node(node.Id), node.Encode());
        state.Set(StateKeys.Signer(node.SigningKey), new SignerRecord(SignerKind.Node, node.Id).Encode());
        return TxResult.Ok;
    }

    // Admits the joining rescue services (marked as such: no governance, rescuers only), then writes the emergency: every
    // organisation it names must be an active member.
    private static TxResult DeclareEmergency(TxContext context, DeclareEmergencyAction d)
    {
        var state = context.State;
        if (state.Contains(Emergencies.EmergencyState.Key(d.EmergencyId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"emergencyId: emergency id '{d.EmergencyId}' is taken");
        if (d.EndsAt <= context.Timestamp) return TxResult.Reject(TxVerdict.InvalidField, "endsAt: the end is already past");
        foreach (var joining in d.NewRescuers)
        {
            if (AddOrganisation(context, joining, d.NewRescuerNodesVote) is { IsOk: false } refused) return TxResult.Reject(refused.Verdict, $"newRescuers: {refused.Reason}");
            state.Set(StateKeys.RescueService(joining.Organisation.Id), new Encoding.CanonicalWriter(64).U8(RescueServiceVersion).Text(d.EmergencyId).ToArray());
        }
        foreach (var (field, ids) in new[] { ("scope", d.Scope), ("rescuers", d.Rescuers) })
        {
            foreach (var id in ids)
            {
                if (GetOrganisation(state, id) is not { } org) return TxResult.Reject(TxVerdict.NotFound, $"{field}: organisation '{id}' does not exist");
                if (org.Status != OrganisationStatus.Active) return TxResult.Reject(TxVerdict.Conflict, $"{field}: organisation '{id}' is {Describe(org.Status)}, not an active member");
            }
        }
        var emergencies = Emergencies.EmergencyState.Ids(state);
        if (emergencies.Count >= Emergencies.EmergencyState.MaxEmergencies) return TxResult.Reject(TxVerdict.Conflict, "the network already recorded the most emergencies it can");
        var emergency = new Emergencies.EmergencyState(d.EmergencyId, d.Title, d.Area, d.Scope.Order(StringComparer.Ordinal).ToList(), d.AllRescuers, d.Categories,
            d.StartsAt, d.EndsAt, context.Timestamp, false);
        state.Set(Emergencies.EmergencyState.Key(d.EmergencyId), emergency.Encode());
        state.Set(Emergencies.EmergencyState.ListKey, IdList.Encode(emergencies.Append(d.EmergencyId)));
        return TxResult.Ok;
    }

    private static TxResult ChangePolicy(TxContext context, GovernancePolicy policy)
    {
        if (GovernancePolicy.Read(context.State).Encode().AsSpan().SequenceEqual(policy.Encode())) return TxResult.Reject(TxVerdict.InvalidField, "policy: the proposed governance policy is the one in force; nothing would change");
        context.State.Set(StateKeys.Governance, policy.Encode());
        return TxResult.Ok;
    }

    private static TxResult ChangeNetworkPolicy(TxContext context, NetworkPolicy policy, ulong basedOn)
    {
        if (PolicyState.Read(context.State) is not { } current) return TxResult.Reject(TxVerdict.NotFound, "the network has no policy record");
        if (basedOn != 0 && (ulong)current.Version != basedOn)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"version: the network policy changed since this proposal was made (it replaces version {basedOn}; the policy is at version {current.Version})");
        }
        if (current.Policy == policy) return TxResult.Reject(TxVerdict.InvalidField, "networkPolicy: the proposed network policy is the one in force; nothing would change");
        var next = new PolicyState(current.Version + 1, current.OrganisationId, policy, new RecordProof(context.TxId, context.Height, context.Timestamp));
        context.State.Set(StateKeys.Policy, next.Encode());
        return TxResult.Ok;
    }

    private static TxResult? RequireUnusedKey(StateOverlay state, SigningPublicKey key, string what) =>
        state.Contains(StateKeys.Signer(key)) ? TxResult.Reject(TxVerdict.AlreadyExists, $"{what} already belongs to a signer of this network") : null;

    private static TxResult EncryptionKeyInUse(string what, string organisationId) =>
        TxResult.Reject(TxVerdict.AlreadyExists, $"{what} already belongs to organisation '{organisationId}'");

    // Two nodes at one peer address would be one process answering for both (a newcomer naming a member's address passes
    // the reachability probe with the member's answer). Compared without case and trailing slash.
    private static TxResult? RequireUnusedAddress(StateOverlay state, NodeRecord node)
    {
        static string Normal(string address) => address.Trim().TrimEnd('/').ToLowerInvariant();
        if (node.Address.Length == 0) return null;
        foreach (var organisationId in OrganisationIds(state))
        {
            foreach (var id in NodesOf(state, organisationId))
            {
                if (id != node.Id && GetNode(state, id) is { } other && other.Address.Length > 0 && Normal(other.Address) == Normal(node.Address))
                {
                    return TxResult.Reject(TxVerdict.AlreadyExists, $"node.address: {node.Address} is already the address of node '{other.Id}'");
                }
            }
        }
        return null;
    }

    private static TxResult NotFound(string organisationId) => TxResult.Reject(TxVerdict.NotFound, $"organisation '{organisationId}' does not exist");

    private static TxResult NotActive(OrganisationRecord org) =>
        TxResult.Reject(TxVerdict.Conflict, $"organisation '{org.Id}' is {Describe(org.Status)}, not an active member");

    private static string Describe(OrganisationStatus status) => status.ToString().ToLowerInvariant();
}
