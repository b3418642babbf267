using System.Globalization;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Audit;

/// <summary>
/// A patient's access history as people read it: every disclosure on the chain (reads and refused attempts, from
/// <see cref="AuditService"/>) and every change of who may read (grants, revocations, access requests approved or declined,
/// break-glass accesses) in one list, people named from the doctor directory and the organisations on the chain, filtered
/// (<see cref="AccessHistoryQuery"/>) and grouped by person and day (the hospital's time zone), a page at a time.
/// </summary>
public sealed class AccessHistoryService(LedgerNode node, AuditService audit, PatientService patients, DoctorDirectory doctors, BreakGlassService breakGlass,
    HospitalTime time)
{
    /// <summary>
    /// The events matching <paramref name="query"/>, newest first (the patient, or an admin of their organisation, whose
    /// read is itself recorded as a disclosure). Invalid (400) naming the query parameter for a bad filter value; 403; 404.
    /// </summary>
    public Outcome<IReadOnlyList<AccessHistoryEvent>> Events(UserSession actor, string patientId, AccessHistoryQuery query)
    {
        if (patients.CanManage(actor, patientId) is { } denied) return denied.As<IReadOnlyList<AccessHistoryEvent>>();
        var filter = query.Parse(OrganisationId);
        if (!filter.IsOk) return filter.As<IReadOnlyList<AccessHistoryEvent>>();
        return Outcome<IReadOnlyList<AccessHistoryEvent>>.Ok(Matching(actor, patientId, filter.Value!, consent: true).ToList());
    }

    /// <summary>
    /// The patient's disclosures (reads and refused attempts only, as <see cref="AuditService.Disclosures"/>) matching
    /// <paramref name="query"/>, newest first, each with its named person; the page fields of the query are not used.
    /// </summary>
    public Outcome<IReadOnlyList<(DisclosureView Disclosure, AccessHistoryEvent Event)>> Disclosures(UserSession actor, string patientId, AccessHistoryQuery query)
    {
        var filter = query.Parse(OrganisationId);
        if (!filter.IsOk)
        {
            if (patients.CanManage(actor, patientId) is { } denied) return denied.As<IReadOnlyList<(DisclosureView, AccessHistoryEvent)>>();
            return filter.As<IReadOnlyList<(DisclosureView, AccessHistoryEvent)>>();
        }
        var read = audit.Disclosures(actor, patientId);
        if (!read.IsOk) return read.As<IReadOnlyList<(DisclosureView, AccessHistoryEvent)>>();
        var names = new Names(node, doctors);
        var list = read.Value!.Select(d => (d, Of(d, names))).Where(p => Matches(p.Item2, filter.Value!, Day)).ToList();
        return Outcome<IReadOnlyList<(DisclosureView, AccessHistoryEvent)>>.Ok(list);
    }

    /// <summary>
    /// One page of the history grouped by person and day, newest day first (within a day, the person with the latest event
    /// first). Invalid naming <c>page</c> when the page is past the last one; otherwise as <see cref="Events"/>.
    /// </summary>
    public Outcome<AccessHistoryPage> Groups(UserSession actor, string patientId, AccessHistoryQuery query)
    {
        if (patients.CanManage(actor, patientId) is { } denied) return denied.As<AccessHistoryPage>();
        var parsed = query.Parse(OrganisationId);
        if (!parsed.IsOk) return parsed.As<AccessHistoryPage>();
        var filter = parsed.Value!;
        var events = Matching(actor, patientId, filter, consent: true).ToList();
        var groups = events.GroupBy(e => (e.PersonId, Day: Day(e.At)))
            .Select(g => Group(g.Key.PersonId, g.Key.Day, g.ToList()))
            .OrderByDescending(g => g.Day).ThenByDescending(g => g.Last).ThenBy(g => g.PersonId, StringComparer.Ordinal).ToList();
        var pages = (groups.Count + filter.PageSize - 1) / filter.PageSize;
        if (filter.Page > Math.Max(pages, 1))
        {
            return Outcome<AccessHistoryPage>.Invalid(FieldErrors.One("page", pages == 1 ? "There is only 1 page." : $"There are only {pages} pages."));
        }
        var slice = groups.Skip((filter.Page - 1) * filter.PageSize).Take(filter.PageSize).ToList();
        return Outcome<AccessHistoryPage>.Ok(new AccessHistoryPage(filter.Page, filter.PageSize, pages, groups.Count, events.Count, slice));
    }

    /// <summary>The known organisations (active or not) by name, for the filter's choices.</summary>
    public IReadOnlyList<OrganisationRecord> Organisations() =>
        node.ScanState("org/").Select(o => OrganisationRecord.TryDecode(o.Value)).OfType<OrganisationRecord>()
            .OrderBy(o => o.Name, StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>The category a read of <paramref name="resource"/> concerns (see <see cref="AccessHistoryQuery.Categories"/>).</summary>
    public static string CategoryOf(string resource)
    {
        static bool Starts(string r, string prefix) => r.StartsWith(prefix, StringComparison.Ordinal);
        return resource switch
        {
            "complete record" or "file check of a record printout" or "FHIR $everything" or "FHIR bulk export" => "whole-record",
            "emergency summary" => "emergency",
            _ when Starts(resource, "demographics") || resource is "patient list" or "access history" or "audit trail" => "demographics",
            _ when Starts(resource, "entr") || Starts(resource, "vital signs") || Starts(resource, "bed") || Starts(resource, "encounter") => "encounters",
            _ when Starts(resource, "account") || Starts(resource, "outstanding") => "account",
            _ when Starts(resource, "report") || Starts(resource, "file check") => "reports",
            _ when Starts(resource, "lab") => "laboratory",
            _ when Starts(resource, "medication") || Starts(resource, "prescription") || Starts(resource, "pharmacy") || Starts(resource, "dispense") => "medication",
            _ => "other",
        };
    }

    private string? OrganisationId(string idOrName) =>
        Organisations().FirstOrDefault(o => string.Equals(o.Id, idOrName, StringComparison.OrdinalIgnoreCase) || string.Equals(o.Name, idOrName, StringComparison.OrdinalIgnoreCase))?.Id;

    private DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(time.Local(at).DateTime);

    private static bool Matches(AccessHistoryEvent e, AccessHistoryFilter f, Func<DateTimeOffset, DateOnly>? day = null) =>
        (f.Who is null || e.PersonId.Contains(f.Who, StringComparison.OrdinalIgnoreCase) || e.PersonName.Contains(f.Who, StringComparison.OrdinalIgnoreCase))
        && (f.OrganisationId is null || e.OrganisationId == f.OrganisationId)
        && (f.Category is null || e.Categories.Contains(f.Category))
        && (f.Record is null || e.Resource.Contains(f.Record, StringComparison.OrdinalIgnoreCase))
        && (f.Kind is null || e.Kind == f.Kind)
        && (day is null || ((f.From is null || day(e.At) >= f.From) && (f.To is null || day(e.At) <= f.To)));

    private IEnumerable<AccessHistoryEvent> Matching(UserSession actor, string patientId, AccessHistoryFilter filter, bool consent)
    {
        var names = new Names(node, doctors);
        IEnumerable<AccessHistoryEvent> all = (audit.Disclosures(actor, patientId).Value ?? []).Select(d => Of(d, names));
        if (consent) all = all.Concat(ConsentChanges(actor, patientId, names));
        return all.Where(e => Matches(e, filter, Day)).OrderByDescending(e => e.At);
    }

    private static AccessHistoryEvent Of(DisclosureView d, Names names)
    {
        var e = d.Event;
        var (name, role, org, orgName) = names.Person(e.ActorId, e.ActorRole);
        var kind = e.Allowed ? AccessHistoryKinds.Read : AccessHistoryKinds.Refused;
        return new AccessHistoryEvent(kind, AccessHistoryKinds.Label(kind), e.ActorId, name, role, org, orgName, e.ActorId, [CategoryOf(e.Resource)], e.Resource, e.Purpose,
            e.Allowed ? "allowed" : "denied", DateTimeOffset.FromUnixTimeMilliseconds((long)e.At), d.Height);
    }

    private IEnumerable<AccessHistoryEvent> ConsentChanges(UserSession actor, string patientId, Names names)
    {
        var requests = node.ScanState($"accessrequest/{patientId}/").Select(e => AccessRequestState.TryDecode(e.Value)).OfType<AccessRequestState>().ToList();
        var fromRequests = requests.Where(r => r.Status == AccessRequestStatus.Approved).Select(r => r.GrantId).ToHashSet(StringComparer.Ordinal);
        var grants = node.ScanState($"grant/{patientId}/").Select(e => GrantState.TryDecode(e.Value)).OfType<GrantState>().ToList();
        var expiries = grants.Where(g => g.ExpiresAt != 0).ToDictionary(g => g.Id, g => DateTimeOffset.FromUnixTimeMilliseconds((long)g.ExpiresAt), StringComparer.Ordinal);
        foreach (var r in requests.Where(r => r.Status is AccessRequestStatus.Approved or AccessRequestStatus.Declined && r.AnsweredAt != 0))
        {
            var kind = r.Status == AccessRequestStatus.Approved ? AccessHistoryKinds.RequestApproved : AccessHistoryKinds.RequestDeclined;
            var (name, role, org, orgName) = names.Person(r.DoctorId, "doctor");
            var approved = r.Status == AccessRequestStatus.Approved;
            yield return Change(kind, r.DoctorId, name, role, org ?? r.DoctorOrganisationId, orgName ?? names.Organisation(r.DoctorOrganisationId), patientId, r.Categories,
                approved ? $"request {r.Id} (grant {r.GrantId}, {r.DurationDays} days)" : $"request {r.Id}", r.AnsweredAt, null,
                approved && expiries.TryGetValue(r.GrantId, out var ends) ? ends : null);
        }
        foreach (var g in grants)
        {
            var (name, role, org, orgName) = g.Grantee == GranteeKind.Doctor
                ? names.Person(g.GranteeId, "doctor")
                : (names.Organisation(g.GranteeId), "organisation", g.GranteeId, names.Organisation(g.GranteeId));
            var until = g.ExpiresAt == 0 ? "no expiry" : "until " + time.Show(DateTimeOffset.FromUnixTimeMilliseconds((long)g.ExpiresAt));
            // A grant made by approving a request is shown once, as the approval.
            if (!fromRequests.Contains(g.Id))
            {
                yield return Change(AccessHistoryKinds.Grant, g.GranteeId, name, role, org, orgName, patientId, g.Categories, $"grant {g.Id} ({until})", g.GrantedAt, g.Proof.Height,
                    expiries.TryGetValue(g.Id, out var ends) ? ends : null);
            }
            if (g.RevokedAt != 0) yield return Change(AccessHistoryKinds.Revocation, g.GranteeId, name, role, org, orgName, patientId, g.Categories, $"grant {g.Id}", g.RevokedAt, null);
        }
        foreach (var b in breakGlass.OfPatient(actor, patientId).Value ?? [])
        {
            var (name, role, org, orgName) = names.Person(b.ActorId, b.ActorRole);
            yield return new AccessHistoryEvent(AccessHistoryKinds.BreakGlass, AccessHistoryKinds.Label(AccessHistoryKinds.BreakGlass), b.ActorId, name, role,
                org ?? b.ActorOrganisationId, orgName ?? names.Organisation(b.ActorOrganisationId), b.ActorId, b.Categories.ToList(), $"break-glass {b.AccessId}",
                b.EmergencyId is null ? b.Reason : $"{b.Reason} (emergency {b.EmergencyId})", AccessHistoryKinds.BreakGlass, b.GrantedAt, b.Block);
        }
    }

    private static AccessHistoryEvent Change(string kind, string personId, string name, string role, string? org, string? orgName, string patientId, ConsentCategories categories,
        string resource, ulong at, ulong? height, DateTimeOffset? expiresAt = null) =>
        new(kind, AccessHistoryKinds.Label(kind), personId, name, role, org, orgName, patientId, ConsentCategoryNames.Of(categories).ToList(), resource, "", kind,
            DateTimeOffset.FromUnixTimeMilliseconds((long)at), height, expiresAt);

    private AccessHistoryGroup Group(string personId, DateOnly day, List<AccessHistoryEvent> events)
    {
        var any = events[0];
        return new AccessHistoryGroup(personId, any.PersonName, any.PersonRole, any.OrganisationId, any.OrganisationName, day, events.Count,
            events.Count(e => e.Kind == AccessHistoryKinds.Refused), events.Min(e => e.At), events.Max(e => e.At),
            AccessHistoryKinds.All.Where(k => events.Any(e => e.Kind == k)).ToList(),
            events.SelectMany(e => e.Categories).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            events.Where(e => !e.IsConsentChange).Select(e => e.Resource).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            events);
    }

    /// <summary>Names looked up once per answer: doctors from the directory, users' organisations from the chain.</summary>
    private sealed class Names(LedgerNode node, DoctorDirectory doctors)
    {
        private readonly Dictionary<string, (string Name, string Role, string? Org, string? OrgName)> _people = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _organisations = new(StringComparer.Ordinal);

        public string Organisation(string id)
        {
            if (_organisations.TryGetValue(id, out var name)) return name;
            name = node.GetState(StateKeys.Organisation(id)) is { } o ? OrganisationRecord.TryDecode(o)?.Name ?? id : id;
            _organisations[id] = name;
            return name;
        }

        public (string Name, string Role, string? Org, string? OrgName) Person(string id, string role)
        {
            if (_people.TryGetValue(id, out var known)) return known;
            var doctor = doctors.Doctor(id);
            var org = doctor?.OrganisationId ?? (node.GetState(StateKeys.User(id)) is { } u ? UserRecord.TryDecode(u)?.OrganisationId : null);
            var name = doctor?.Details.Name ?? id;
            known = (name, role, org, org is null ? null : Organisation(org));
            _people[id] = known;
            return known;
        }
    }
}
