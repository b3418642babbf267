using HealthLedger.Core.Model;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// The directory behind Practitioner, PractitionerRole and Organization: the doctors the directory shows the reader (every
/// active member organisation's whose entries this node holds, <see cref="DoctorService.List"/> with <c>organisation=all</c>),
/// with licence number, phone and e-mail hidden from patients as in the JSON API; and the member organisations on the chain.
/// None of it is a patient's record, so nothing is recorded as a disclosure.
/// </summary>
public sealed class FhirDirectory(DoctorService doctors, LedgerNode node)
{
    /// <summary>The doctors the directory lists for <paramref name="actor"/>, as their role may see them, by id.</summary>
    public IReadOnlyList<DoctorView> Doctors(UserSession actor)
    {
        var all = new List<DoctorView>();
        for (var page = 1; ; page++)
        {
            var listed = doctors.List(actor, new DoctorQuery(Page: page, PageSize: 200, Organisation: "all"));
            all.AddRange(listed.Items);
            if (page >= listed.PageCount) break;
        }
        var hide = !DoctorService.SeesPrivateDetails(actor.Role);
        return all.Select(d => hide ? d with { Details = d.Details with { LicenceNumber = "", Phone = "", Email = "" } } : d)
            .DistinctBy(d => d.Id, StringComparer.Ordinal).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The doctors of the directory (as <see cref="Doctors(UserSession)"/>) a search of Practitioner or PractitionerRole
    /// looks at: those whose FHIR id (<paramref name="fhirIdOf"/> of the doctor id) is among the <c>_id</c> values, all when none is given.
    /// </summary>
    public IEnumerable<DoctorView> Doctors(UserSession actor, FhirSearch search, Func<string, string> fhirIdOf)
    {
        var ids = search.AnyOf("_id");
        return Doctors(actor).Where(d => ids.Count == 0 || ids.Contains(fhirIdOf(d.Id), StringComparer.Ordinal));
    }

    /// <summary>One doctor of the directory, or null.</summary>
    public DoctorView? Doctor(UserSession actor, string id) => Doctors(actor).FirstOrDefault(d => d.Id == id);

    /// <summary>Every member organisation on the chain (any status), by id.</summary>
    public IReadOnlyList<OrganisationRecord> Organisations() =>
        node.ScanState("org/").Select(o => OrganisationRecord.TryDecode(o.Value)).OfType<OrganisationRecord>()
            .OrderBy(o => o.Id, StringComparer.Ordinal).ToList();

    /// <summary>One organisation, or null.</summary>
    public OrganisationRecord? Organisation(string id) =>
        Identifiers.IsValid(id) && node.GetState(StateKeys.Organisation(id)) is { } bytes ? OrganisationRecord.TryDecode(bytes) : null;
}
