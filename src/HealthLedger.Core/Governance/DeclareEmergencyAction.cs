using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Governance;

/// <summary>
/// Declares an emergency (<see cref="EmergencyState"/>): all patients of the <paramref name="Scope"/> organisations, from
/// <paramref name="StartsAt"/> to <paramref name="EndsAt"/> (block time, Unix ms), opened to the rescuers of the
/// <paramref name="Rescuers"/> organisations (existing members) and of <paramref name="NewRescuers"/> (join requests of rescue
/// services, type <see cref="OrganisationType.Rescuer"/>, admitted by the same approval, before the declaration is written),
/// for <paramref name="Categories"/> (within <see cref="EmergencyCategories.Allowed"/>). Approved under the policy's
/// <see cref="GovernanceAction.DeclareEmergency"/> rule (default: at least 1/3 of the governing organisations) — when joining
/// rescue services' nodes will vote, also under the <see cref="GovernanceAction.AddOrganisation"/> rule (<see cref="Consortium.Needed"/>).
/// Joining organisations become rescue services (<see cref="Consortium.IsRescueService"/>), not full members.
/// </summary>
/// <param name="EmergencyId">The new emergency's id (never reused).</param>
/// <param name="Title">What happened (an event's name, 1 to 100 bytes, not PHI).</param>
/// <param name="Area">Optional area tag: empty, or a facility/site code (<see cref="SiteCodes"/>) narrowing the scope to the patients tagged with it.</param>
/// <param name="Scope">The organisations whose patients it covers: at least one, each once.</param>
/// <param name="Rescuers">Existing organisations admitted as rescuers (may be empty when <paramref name="NewRescuers"/> is not); none of them in <paramref name="Scope"/>.</param>
/// <param name="NewRescuers">Rescue services joining with the declaration (0 to 10).</param>
/// <param name="Categories">The categories rescuers may read.</param>
/// <param name="StartsAt">
/// From (block time, Unix ms); may be up to <see cref="Consortium.MaxDeclarationBackdateMs"/> (1 hour) before the proposal's block
/// time (<see cref="Consortium.CheckProposal"/>): it is in force from its approval on.
/// </param>
/// <param name="EndsAt">Until (exclusive), after <paramref name="StartsAt"/>, at most 30 days later.</param>
/// <param name="NewRescuerNodesVote">
/// True (the default): the joining rescue services' nodes enter the validator set and vote from the next block. False: they are
/// admitted as non-voting observers (<see cref="StateKeys.Observers"/>) that replicate the chain and serve their users but never
/// count in a quorum, so the consortium's fault tolerance is not changed by a newcomer. Encoded as a last boolean byte (1 or 0).
/// </param>
public sealed record DeclareEmergencyAction(string EmergencyId, string Title, string Area, IReadOnlyList<string> Scope, IReadOnlyList<string> Rescuers,
    IReadOnlyList<AddOrganisationAction> NewRescuers, ConsentCategories Categories, ulong StartsAt, ulong EndsAt, bool NewRescuerNodesVote = true) : ProposedAction
{
    /// <summary>Most rescue services joining with one declaration.</summary>
    public const int MaxNewRescuers = 10;

    /// <inheritdoc/>
    public override GovernanceAction Action => GovernanceAction.DeclareEmergency;

    /// <inheritdoc/>
    public override IEnumerable<SigningPublicKey> NodeKeys => NewRescuers.SelectMany(n => n.NodeKeys);

    /// <summary>Every admitted rescuer organisation: existing and joining, in id order.</summary>
    public IReadOnlyList<string> AllRescuers => Rescuers.Concat(NewRescuers.Select(n => n.Organisation.Id)).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <inheritdoc/>
    public override string? Problem()
    {
        if (!Identifiers.IsValid(EmergencyId)) return $"emergencyId: {Identifiers.Rule}";
        var titleBytes = System.Text.Encoding.UTF8.GetByteCount(Title);
        if (string.IsNullOrWhiteSpace(Title) || titleBytes > EmergencyState.MaxTitleBytes) return $"title: 1 to {EmergencyState.MaxTitleBytes} bytes, not blank";
        if (Area.Length > 0 && !SiteCodes.IsValid(Area)) return $"area: {SiteCodes.Rule}";
        if (Scope.Count == 0) return "scope: name at least one organisation whose patients the emergency covers";
        if (Scope.Any(id => !Identifiers.IsValid(id))) return $"scope: {Identifiers.Rule}";
        if (Scope.Distinct().Count() != Scope.Count) return "scope: each organisation once";
        if (Rescuers.Any(id => !Identifiers.IsValid(id))) return $"rescuers: {Identifiers.Rule}";
        if (Rescuers.Distinct().Count() != Rescuers.Count) return "rescuers: each organisation once";
        if (Rescuers.FirstOrDefault(Scope.Contains) is { } both) return $"rescuers: organisation '{both}' is in the scope: an organisation whose patients are covered is not also admitted as a rescuer";
        if (Rescuers.Count + NewRescuers.Count == 0) return "rescuers: admit at least one rescuer organisation (existing or joining)";
        if (NewRescuers.Count > MaxNewRescuers) return $"newRescuers: at most {MaxNewRescuers}";
        foreach (var joining in NewRescuers)
        {
            if (joining.Organisation.Type != OrganisationType.Rescuer) return "newRescuers: an organisation joining with a declaration is a rescue service (type rescuer)";
            if (joining.Problem() is { } problem) return "newRescuers." + problem;
            if (Rescuers.Contains(joining.Organisation.Id) || Scope.Contains(joining.Organisation.Id)) return "newRescuers: a joining organisation is new: it cannot be named as existing";
        }
        if (NewRescuers.Select(n => n.Organisation.Id).Distinct().Count() != NewRescuers.Count) return "newRescuers: each organisation once";
        if (!EmergencyCategories.IsWithin(Categories)) return "categories: " + EmergencyCategories.Rule;
        if (EndsAt <= StartsAt) return "endsAt: the end must be after the start";
        if (EndsAt - StartsAt > EmergencyState.MaxDurationMs) return "endsAt: an emergency lasts at most 30 days (extend it by approval)";
        return null;
    }

    /// <inheritdoc/>
    protected override void WriteBody(CanonicalWriter w)
    {
        w.Text(EmergencyId).Text(Title).Text(Area);
        EmergencyState.WriteIds(w, Scope);
        EmergencyState.WriteIds(w, Rescuers);
        w.VarUInt((ulong)NewRescuers.Count);
        foreach (var joining in NewRescuers) joining.WriteFields(w);
        w.U8((byte)Categories).VarUInt(StartsAt).VarUInt(EndsAt).Bool(NewRescuerNodesVote);
    }

    internal static bool TryReadBody(ref CanonicalReader r, out DeclareEmergencyAction action)
    {
        action = null!;
        r.Text(out var id, Identifiers.MaxLength, "emergency id");
        r.Text(out var title, EmergencyState.MaxTitleBytes, "title");
        r.Text(out var area, EmergencyState.MaxAreaBytes, "area");
        var scope = EmergencyState.ReadIds(ref r, "scope");
        var rescuers = EmergencyState.ReadIds(ref r, "rescuers");
        if (!r.VarInt32(out var count, MaxNewRescuers, "new rescuer count")) return false;
        var joining = new List<AddOrganisationAction>(count);
        for (var i = 0; i < count && r.Error is null; i++)
        {
            if (!AddOrganisationAction.TryReadBody(ref r, out var add)) return false;
            joining.Add(add);
        }
        r.U8(out var categories);
        r.VarUInt(out var starts);
        r.VarUInt(out var ends);
        r.Bool(out var vote);
        action = new DeclareEmergencyAction(id, title, area, scope, rescuers, joining, (ConsentCategories)categories, starts, ends, vote);
        return r.Error is null;
    }

    /// <inheritdoc/>
    public bool Equals(DeclareEmergencyAction? other) => other is not null && Encode().AsSpan().SequenceEqual(other.Encode());

    /// <inheritdoc/>
    public override int GetHashCode() => EmergencyId.GetHashCode(StringComparison.Ordinal);
}
