using HealthLedger.Core.Encoding;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Emergencies;

/// <summary>
/// A declared emergency as the state holds it (<see cref="Key"/>), written when its <see cref="GovernanceAction.DeclareEmergency"/>
/// proposal is approved and changed only by approved extend/end proposals. It is in force while
/// <see cref="StartsAt"/> ≤ block time &lt; <see cref="EndsAt"/>: it ends by itself at its end time, nothing written. No PHI.
/// </summary>
/// <param name="Id">Emergency id (never reused).</param>
/// <param name="Title">What happened (e.g. "Earthquake"): an event's name, not PHI; 1 to 100 bytes.</param>
/// <param name="Area">Optional area tag (a facility/site code, <see cref="SiteCodes"/>): when set, the emergency covers only the patients of the scope organisations tagged with it (<see cref="CoversPatient"/>).</param>
/// <param name="Scope">The organisations whose patients it covers (1 or more, id order): all their patients.</param>
/// <param name="Rescuers">The organisations whose rescuers (and doctors) may break the glass for patients in scope (id order).</param>
/// <param name="Categories">What they may read: within <see cref="EmergencyCategories.Allowed"/>.</param>
/// <param name="StartsAt">Block time (Unix ms) from which it is in force.</param>
/// <param name="EndsAt">Block time (Unix ms) at which it ends (exclusive); an early end sets it to the ending block's time.</param>
/// <param name="DeclaredAt">Block time of the approval.</param>
/// <param name="EndedEarly">True when an approved <see cref="GovernanceAction.EndEmergency"/> ended it before its time.</param>
public sealed record EmergencyState(string Id, string Title, string Area, IReadOnlyList<string> Scope, IReadOnlyList<string> Rescuers,
    ConsentCategories Categories, ulong StartsAt, ulong EndsAt, ulong DeclaredAt, bool EndedEarly)
{
    private const byte Version = 1;

    /// <summary>Most organisations in a scope or a rescuer list.</summary>
    public const int MaxOrganisations = Consortium.MaxOrganisations;

    /// <summary>Most emergencies a network records.</summary>
    public const int MaxEmergencies = 10_000;

    /// <summary>Longest title in bytes.</summary>
    public const int MaxTitleBytes = 100;

    /// <summary>Longest area tag in bytes.</summary>
    public const int MaxAreaBytes = 100;

    /// <summary>Longest an emergency may last in one declaration or extension: 30 days.</summary>
    public const ulong MaxDurationMs = 30UL * 24 * 60 * 60 * 1000;

    /// <summary>State key of an emergency.</summary>
    public static string Key(string id) => "emergency/" + id;

    /// <summary>State key of the list of every emergency id (id order).</summary>
    public const string ListKey = "emergencies";

    /// <summary>True while it is in force at block time <paramref name="now"/>.</summary>
    public bool IsActiveAt(ulong now) => StartsAt <= now && now < EndsAt;

    /// <summary>True when the patients of <paramref name="organisationId"/> are in scope.</summary>
    public bool Covers(string organisationId) => Scope.Contains(organisationId, StringComparer.Ordinal);

    /// <summary>
    /// True when <paramref name="patient"/> is in scope: a patient of a scope organisation and, when the emergency names an
    /// area, tagged with that area (<see cref="PatientIndexState.Area"/>); an untagged or differently tagged patient is not.
    /// </summary>
    public bool CoversPatient(State.IStateReader state, PatientState patient) =>
        Covers(patient.OrganisationId) && (Area.Length == 0 || PatientIndexState.AreaOf(state, patient.Id) == Area);

    /// <summary>True when <paramref name="organisationId"/> is admitted as a rescuer.</summary>
    public bool Admits(string organisationId) => Rescuers.Contains(organisationId, StringComparer.Ordinal);

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(256).U8(Version).Text(Id).Text(Title).Text(Area);
        WriteIds(w, Scope);
        WriteIds(w, Rescuers);
        w.U8((byte)Categories).VarUInt(StartsAt).VarUInt(EndsAt).VarUInt(DeclaredAt).Bool(EndedEarly);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when damaged.</summary>
    public static EmergencyState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var v) || v != Version) return null;
        r.Text(out var id, Identifiers.MaxLength, "emergency id");
        r.Text(out var title, MaxTitleBytes, "title");
        r.Text(out var area, MaxAreaBytes, "area");
        var scope = ReadIds(ref r, "scope");
        var rescuers = ReadIds(ref r, "rescuers");
        r.U8(out var categories);
        r.VarUInt(out var starts);
        r.VarUInt(out var ends);
        r.VarUInt(out var declared);
        r.Bool(out var early);
        return r.End() ? new EmergencyState(id, title, area, scope, rescuers, (ConsentCategories)categories, starts, ends, declared, early) : null;
    }

    /// <summary>Reads an emergency; null when there is none.</summary>
    public static EmergencyState? Get(State.IStateReader state, string id) => state.TryGet(Key(id), out var v) ? TryDecode(v) : null;

    /// <summary>Every emergency id, in id order.</summary>
    public static IReadOnlyList<string> Ids(State.IStateReader state) => IdList.Read(state, ListKey, MaxEmergencies);

    /// <inheritdoc/>
    public bool Equals(EmergencyState? other) => other is not null && Encode().AsSpan().SequenceEqual(other.Encode());

    /// <inheritdoc/>
    public override int GetHashCode() => Id.GetHashCode(StringComparison.Ordinal);

    internal static void WriteIds(CanonicalWriter w, IReadOnlyList<string> ids)
    {
        w.VarUInt((ulong)ids.Count);
        foreach (var id in ids) w.Text(id);
    }

    internal static List<string> ReadIds(ref CanonicalReader r, string field)
    {
        var ids = new List<string>();
        if (!r.VarInt32(out var count, MaxOrganisations, field + " count")) return ids;
        for (var i = 0; i < count && r.Error is null; i++)
        {
            r.Text(out var id, Identifiers.MaxLength, field);
            ids.Add(id);
        }
        return ids;
    }
}
