using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Consortium;

/// <summary>
/// Consortium governance at this node: the members and their nodes, the governance policy and the proposals (admins and
/// auditors read them), and an admin's proposals, votes and withdrawals, signed with the admin's own key
/// (<see cref="RecordWriter"/>) as <see cref="ProposePayload"/>, <see cref="VotePayload"/> and <see cref="WithdrawPayload"/>
/// transactions — so every step is on the chain. Everything the state machine would refuse is refused here first, with the
/// field named, so a refusal writes nothing: a non-admin or an admin of an organisation that is not an active member (403),
/// a second vote of one organisation or a vote on an expired or closed proposal (409), a deciding approval of an action that no
/// longer applies (409), an action that cannot be applied to the current state — a key or id already in use, an unknown organisation or node (409) —, and a node whose address does
/// not answer (<see cref="NodeProbe"/>, 422).
/// </summary>
public sealed class ConsortiumService(LedgerNode node, RecordWriter writer, PeerNetwork peers, TimeProvider clock, NodeProbe probe)
{
    private IStateReader State => new NodeState(node);

    private ulong Now => (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The members and their nodes (admins and auditors).</summary>
    public Outcome<ConsortiumResponse> Members(UserSession actor)
    {
        if (MayRead(actor) is { } denied) return denied.As<ConsortiumResponse>();
        var state = State;
        var validators = ValidatorSet.Ids(state).ToHashSet(StringComparer.Ordinal);
        var links = peers.Links.ToDictionary(l => l.Node.Id, StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        var members = new List<MemberResponse>();
        foreach (var id in Core.Governance.Consortium.OrganisationIds(state))
        {
            if (Core.Governance.Consortium.GetOrganisation(state, id) is not { } org) continue;
            var nodes = new List<MemberNodeResponse>();
            foreach (var nodeId in Core.Governance.Consortium.NodesOf(state, id))
            {
                if (!state.TryGet(StateKeys.Node(nodeId), out var bytes) || NodeRecord.TryDecode(bytes) is not { } n) continue;
                var self = nodeId == node.NodeId;
                links.TryGetValue(nodeId, out var link);
                nodes.Add(new MemberNodeResponse(n.Id, n.Address, validators.Contains(n.Id), self, self ? true : link?.Connected,
                    self ? node.Tip.Height : link?.Height, self ? now : link?.LastSeen));
            }
            members.Add(new MemberResponse(org.Id, org.Name, GovernanceNames.Of(org.Type), org.Contact, GovernanceNames.Of(org.Status),
                org.SigningKey.ToString(), org.EncryptionKey.ToString(), nodes));
        }
        return Outcome<ConsortiumResponse>.Ok(new ConsortiumResponse(node.Network.NetworkId, node.NodeId, node.Tip.Height,
            members.Count(m => m.Status == "active"), members));
    }

    /// <summary>The governance policy (admins and auditors).</summary>
    public Outcome<GovernancePolicyResponse> Policy(UserSession actor)
    {
        if (MayRead(actor) is { } denied) return denied.As<GovernancePolicyResponse>();
        var state = State;
        return Outcome<GovernancePolicyResponse>.Ok(GovernancePolicyResponse.From(GovernancePolicy.Read(state), Core.Governance.Consortium.GoverningOrganisations(state).Count));
    }

    /// <summary>Every proposal, open ones first, then newest first (admins and auditors).</summary>
    public Outcome<IReadOnlyList<ProposalView>> Proposals(UserSession actor)
    {
        if (MayRead(actor) is { } denied) return denied.As<IReadOnlyList<ProposalView>>();
        var state = State;
        var active = Core.Governance.Consortium.GoverningOrganisations(state);
        var list = node.ScanState("proposal/")
            .Select(e => ProposalState.TryDecode(e.Value))
            .OfType<ProposalState>()
            .Select(p => View(state, p, active))
            .OrderBy(p => p.Status == "open" ? 0 : 1)
            .ThenByDescending(p => p.State.CreatedAt)
            .ThenBy(p => p.State.Id, StringComparer.Ordinal)
            .ToList();
        return Outcome<IReadOnlyList<ProposalView>>.Ok(list);
    }

    /// <summary>One proposal (admins and auditors).</summary>
    public Outcome<ProposalView> Proposal(UserSession actor, string id)
    {
        if (MayRead(actor) is { } denied) return denied.As<ProposalView>();
        return Find(id, out var view) ? Outcome<ProposalView>.Ok(view) : Outcome<ProposalView>.NotFound(Missing.Message("Proposal", id));
    }

    /// <summary>
    /// Proposes an action as the admin's organisation (its vote is an approval): checked against the current state, a node's
    /// address probed, then signed and committed. Executed at once when the organisation's approval alone meets the threshold.
    /// </summary>
    public async Task<Outcome<ProposalView>> ProposeAsync(UserSession actor, ProposalInput input, CancellationToken ct)
    {
        if (MayAct(actor, "propose") is { } denied) return denied;
        var state = State;
        var (action, errors) = input.Validate(actor.OrganisationId, GovernancePolicy.Read(state));
        if (action is null) return Outcome<ProposalView>.Invalid(errors);
        var id = input.Id ?? NewId();
        if (state.TryGet(StateKeys.Proposal(id), out _)) return Outcome<ProposalView>.Conflict(FieldErrors.One("id", $"Proposal id '{id}' is taken."), $"Proposal id '{id}' is taken.");
        var check = Core.Governance.Consortium.CheckProposal(Context(actor), action);
        if (!check.IsOk)
        {
            var fields = FieldsOf(action, check.Reason);
            var message = $"{PrettyAction(action)} cannot be applied: {check.Reason}.";
            return check.Verdict == TxVerdict.InvalidField ? Outcome<ProposalView>.Invalid(fields) : Outcome<ProposalView>.Conflict(fields, message);
        }
        foreach (var (field, address) in Addresses(action))
        {
            if (await probe.ProblemAsync(address, ct) is { } unreachable)
            {
                return Outcome<ProposalView>.Unprocessable(FieldErrors.One(field, char.ToUpperInvariant(unreachable[0]) + unreachable[1..] + "."),
                    $"The node's address {address} does not answer; nothing was proposed.");
            }
        }
        var written = await writer.SubmitAsync(actor, new ProposePayload(id, action), RecordWriter.NoBlobs, id, ct);
        if (!written.IsOk) return written.As<ProposalView>();
        return Find(id, out var view) ? Outcome<ProposalView>.Ok(view) : Outcome<ProposalView>.Failed($"Proposal '{id}' was committed but cannot be read back.");
    }

    /// <summary>The admin's organisation votes once on an open proposal that has not expired.</summary>
    public async Task<Outcome<ProposalView>> VoteAsync(UserSession actor, string id, VoteInput input, CancellationToken ct)
    {
        if (MayAct(actor, "vote") is { } denied) return denied;
        bool approve;
        switch (input.Decision?.Trim().ToLowerInvariant())
        {
            case "approve":
                approve = true;
                break;
            case "reject":
                approve = false;
                break;
            default:
                return Outcome<ProposalView>.Invalid(FieldErrors.One("decision", "The decision is approve or reject."));
        }
        if (!Find(id, out var view)) return Outcome<ProposalView>.NotFound(Missing.Message("Proposal", id));
        if (Closed(view) is { } closed) return closed;
        if (view.State.Votes.FirstOrDefault(v => v.OrganisationId == actor.OrganisationId) is { } vote)
        {
            var message = $"Organisation '{actor.OrganisationId}' has already voted on proposal '{id}' ({(vote.Approve ? "approve" : "reject")}, by '{vote.UserId}'): each organisation votes once.";
            return Outcome<ProposalView>.Conflict(FieldErrors.One("decision", message), message);
        }
        if (approve && view.State.Votes.Count(v => v.Approve && view.ActiveOrganisations.Contains(v.OrganisationId)) + 1 >= view.Needed
            && Core.Governance.Consortium.Check(Context(actor), view.State.Action) is { IsOk: false } stale)
        {
            var message = $"Proposal '{id}' would be approved by this vote but can no longer be applied: {stale.Reason}.";
            return Outcome<ProposalView>.Conflict(FieldErrors.One("proposal", message), message);
        }
        var written = await writer.SubmitAsync(actor, new VotePayload(id, approve), RecordWriter.NoBlobs, id, ct);
        if (!written.IsOk) return written.As<ProposalView>();
        return Find(id, out view) ? Outcome<ProposalView>.Ok(view) : Outcome<ProposalView>.Failed($"Proposal '{id}' cannot be read back.");
    }

    /// <summary>An admin of the proposing organisation withdraws its open proposal.</summary>
    public async Task<Outcome<ProposalView>> WithdrawAsync(UserSession actor, string id, CancellationToken ct)
    {
        if (MayAct(actor, "withdraw a proposal") is { } denied) return denied;
        if (!Find(id, out var view)) return Outcome<ProposalView>.NotFound(Missing.Message("Proposal", id));
        if (view.State.ProposerOrganisationId != actor.OrganisationId)
        {
            return Outcome<ProposalView>.Forbidden($"Only an admin of the proposing organisation '{view.State.ProposerOrganisationId}' may withdraw proposal '{id}'.");
        }
        if (Closed(view) is { } closed) return closed;
        var written = await writer.SubmitAsync(actor, new WithdrawPayload(id), RecordWriter.NoBlobs, id, ct);
        if (!written.IsOk) return written.As<ProposalView>();
        return Find(id, out view) ? Outcome<ProposalView>.Ok(view) : Outcome<ProposalView>.Failed($"Proposal '{id}' cannot be read back.");
    }

    /// <summary>
    /// How many governing organisations (active, not rescue services) must approve <paramref name="action"/> now under the
    /// governance policy (1: one organisation's approval is enough, as in a network with one governing organisation).
    /// </summary>
    public int Needed(GovernanceAction action)
    {
        var state = State;
        return GovernancePolicy.Read(state).Rule(action).Needed(Core.Governance.Consortium.GoverningOrganisations(state).Count);
    }

    /// <summary>True when <paramref name="actor"/> may propose and vote (an admin of an active member organisation that is not a rescue service).</summary>
    public bool MayVote(UserSession actor) => MayAct(actor, "vote") is null;

    private static Outcome<ProposalView>? MayRead(UserSession actor) =>
        actor.Role is Role.Admin or Role.Auditor ? null : Outcome<ProposalView>.Forbidden("Only admins and auditors see the consortium's governance.");

    private Outcome<ProposalView>? MayAct(UserSession actor, string what)
    {
        if (actor.Role != Role.Admin) return Outcome<ProposalView>.Forbidden($"Only an admin of a member organisation may {what}.");
        var state = State;
        if (Core.Governance.Consortium.GetOrganisation(state, actor.OrganisationId) is not { Status: OrganisationStatus.Active })
        {
            return Outcome<ProposalView>.Forbidden($"Organisation '{actor.OrganisationId}' is not an active member of the consortium: its admins may not {what}.");
        }
        return Core.Governance.Consortium.RescueServiceEmergency(state, actor.OrganisationId) is { } emergencyId
            ? Outcome<ProposalView>.Forbidden($"Organisation '{actor.OrganisationId}' is a rescue service admitted with emergency '{emergencyId}': it takes no part in governance, so its admins may not {what}.")
            : null;
    }

    private Outcome<ProposalView>? Closed(ProposalView view)
    {
        var id = view.State.Id;
        return view.Status switch
        {
            "open" => null,
            "expired" => Outcome<ProposalView>.Conflict(FieldErrors.One("proposal", $"Proposal '{id}' expired at {DateTimeOffset.FromUnixTimeMilliseconds((long)view.State.ExpiresAt):u}."),
                $"Proposal '{id}' has expired; votes and withdrawals are refused."),
            _ => Outcome<ProposalView>.Conflict(FieldErrors.One("proposal", $"Proposal '{id}' is closed ({view.Status})."), $"Proposal '{id}' is closed ({view.Status})."),
        };
    }

    private bool Find(string id, [NotNullWhen(true)] out ProposalView? view)
    {
        view = null;
        if (!Identifiers.IsValid(id)) return false;
        var state = State;
        if (Core.Governance.Consortium.GetProposal(state, id) is not { } proposal) return false;
        view = View(state, proposal, Core.Governance.Consortium.GoverningOrganisations(state));
        return true;
    }

    private ProposalView View(IStateReader state, ProposalState p, IReadOnlySet<string> active)
    {
        var status = p.Status == ProposalStatus.Open && Now >= p.ExpiresAt ? "expired" : p.Status.ToString().ToLowerInvariant();
        return new ProposalView(p, status, Core.Governance.Consortium.Needed(state, p.Action), active);
    }

    private TxContext Context(UserSession actor) =>
        new(new StateOverlay(State), node.Tip.Height + 1, Math.Max(Now, node.Tip.Timestamp), new SignerRecord(SignerKind.User, actor.UserId));

    private string NewId() => "p-" + clock.GetUtcNow().ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private static string PrettyAction(ProposedAction action) => char.ToUpperInvariant(GovernanceNames.Of(action.Action)[0]) + GovernanceNames.Of(action.Action)[1..];

    // The addresses of the nodes an action adds (a replaced node's new address may only answer once it is moved there).
    private static IEnumerable<(string Field, string Address)> Addresses(ProposedAction action) => action switch
    {
        AddOrganisationAction add => add.Nodes.Where(n => n.Address.Length > 0).Select(n => ("request.node.address", n.Address)),
        NodeAction { Kind: GovernanceAction.AddNode } n when n.Node.Address.Length > 0 => [("node.address", n.Node.Address)],
        _ => [],
    };

    // The input field a state refusal is about (Core's reasons name the thing, e.g. "the signing key is already registered").
    private static FieldErrors FieldsOf(ProposedAction action, string reason)
    {
        var message = char.ToUpperInvariant(reason[0]) + reason[1..] + ".";
        string field = action switch
        {
            AddOrganisationAction when reason.Contains("organisation id", StringComparison.Ordinal) => "request.organisation.id",
            AddOrganisationAction when reason.Contains("organisation's signing key", StringComparison.Ordinal) => "request.organisation.signingKey",
            AddOrganisationAction when reason.Contains("user id", StringComparison.Ordinal) => "request.admin.id",
            AddOrganisationAction when reason.Contains("signing key is already registered", StringComparison.Ordinal) => "request.admin.signingKey",
            AddOrganisationAction when reason.StartsWith("node '", StringComparison.Ordinal) => "request.node.id",
            AddOrganisationAction when reason.StartsWith("key ", StringComparison.Ordinal) => "request.node.signingKey",
            AddOrganisationAction when reason.Contains("organisation's encryption key", StringComparison.Ordinal) => "request.organisation.encryptionKey",
            AddOrganisationAction when reason.Contains("admin's encryption key", StringComparison.Ordinal) => "request.admin.encryptionKey",
            AddOrganisationAction when reason.StartsWith("node.address", StringComparison.Ordinal) => "request.node.address",
            NodeAction when reason.StartsWith("node.address", StringComparison.Ordinal) => "node.address",
            ChangeNetworkPolicyAction when reason.StartsWith("version", StringComparison.Ordinal) => "networkPolicy.version",
            AddOrganisationAction => "request",
            OrganisationStatusAction => "organisationId",
            NodeAction when reason.StartsWith("key ", StringComparison.Ordinal) => "node.signingKey",
            NodeAction when reason.Contains("organisation", StringComparison.Ordinal) => "node.organisationId",
            NodeAction => "node.id",
            RemoveNodeAction => "nodeId",
            ChangeNetworkPolicyAction => "networkPolicy",
            _ => "policy",
        };
        return FieldErrors.One(field, message);
    }

    /// <summary>The node's committed state as an <see cref="IStateReader"/>.</summary>
    private sealed class NodeState(LedgerNode node) : IStateReader
    {
        public bool TryGet(string key, [NotNullWhen(true)] out byte[]? value) => (value = node.GetState(key)) is not null;
    }
}
