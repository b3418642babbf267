using HealthLedger.Core.Records;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// The patients a clinical search or read may look at, and the disclosures it records. A read opens the record's patient for
/// the record's consent category through <see cref="FhirPatientAccess.Open"/> (403 when not shared, recorded). A search
/// with <c>patient</c> (or <c>subject</c>) opens each named patient for any of the type's categories (one recorded read
/// each; 403 when the reader reaches none of them); a search without names looks at the patients the reader may list
/// (<see cref="PatientService.Visible"/>) and records a read only for the patients whose records are on the page served.
/// </summary>
public sealed class ClinicalScope(PatientService patients, FhirPatientAccess gate, RecordAccess access)
{
    /// <summary>The <c>patient</c> search parameter of the patient-compartment types.</summary>
    public static FhirSearchParameter PatientParameter { get; } = new("patient", SearchParamType.Reference, "The patient (Patient/<id> or the id).");

    /// <summary>The <c>subject</c> search parameter of the types whose subject is the patient.</summary>
    public static FhirSearchParameter SubjectParameter { get; } = new("subject", SearchParamType.Reference, "The patient (Patient/<id>).");

    /// <summary>
    /// The read of one record of <paramref name="type"/> by FHIR id: the record <paramref name="find"/> gives for the ledger
    /// id (<see cref="FhirIds.Ledger"/>; 404 when none), mapped with <paramref name="map"/> when the reader may read its
    /// patient's <paramref name="category"/> (recorded as "FHIR {type}"; 403 when not shared).
    /// </summary>
    public Outcome<Resource> Read<T>(UserSession actor, string type, string id, Func<string, T?> find, Func<T, string> patientOf, ConsentCategories category, Func<T, Resource> map)
        where T : class
    {
        OpenGranted(actor);
        if (FhirIds.Ledger(id) is not { } ledgerId || find(ledgerId) is not { } record) return Outcome<Resource>.NotFound($"{type} '{Missing.Shown(id)}' is not known.");
        var patient = Open(actor, patientOf(record), category, "FHIR " + type);
        return patient.IsOk ? Outcome<Resource>.Ok(map(record)) : patient.As<Resource>();
    }

    /// <summary>
    /// A search of <paramref name="type"/>: the date parameters <paramref name="dates"/> checked (400 naming one that cannot
    /// be read), the patients opened (<see cref="Patients"/>), the <paramref name="matches"/> among them (in the order
    /// served) paged (<see cref="Page"/>, recorded as "FHIR {type} search").
    /// </summary>
    public Outcome<FhirMatches> Search<T>(UserSession actor, FhirSearch search, string type, ConsentCategories categories, Func<SearchScope, IReadOnlyList<T>> matches,
        Func<T, string> patientOf, Func<T, Resource> map, params string[] dates)
    {
        if (ClinicalCodes.CheckDates(search, dates) is { } bad) return bad;
        var opened = Patients(actor, search, categories, "FHIR " + type);
        if (!opened.IsOk) return opened.As<FhirMatches>();
        var within = opened.Value!;
        return Outcome<FhirMatches>.Ok(Page(actor, within, matches(within), search, patientOf, map, categories, $"FHIR {type} search"));
    }

    /// <summary>The patient of one record, when <paramref name="actor"/> may read <paramref name="category"/> (recorded as <paramref name="resource"/>).</summary>
    public Outcome<PatientView> Open(UserSession actor, string patientId, ConsentCategories category, string resource) =>
        gate.Open(actor, patientId, category, resource);

    /// <summary>Opens at this node what other organisations' patients granted the reader, so their records can be found by id.</summary>
    public void OpenGranted(UserSession actor) => patients.OpenGrantedTo(actor);

    /// <summary>
    /// The patients of a search over records of <paramref name="categories"/> (each view's <see cref="PatientView.Shared"/>
    /// says which of them the reader reaches): those named by <c>patient</c>/<c>subject</c> (both given: those named by both),
    /// or every patient the reader may list. 400 naming the parameter for a reference to another type.
    /// </summary>
    public Outcome<SearchScope> Patients(UserSession actor, FhirSearch search, ConsentCategories categories, string resource)
    {
        List<string>? named = null;
        foreach (var name in new[] { "patient", "subject" })
        {
            if (!search.Has(name)) continue;
            var (ids, error) = search.ReferenceIds(name, "Patient");
            if (error is not null) return Outcome<SearchScope>.Invalid(FieldErrors.One(name, error));
            named = named is null ? ids.Distinct(StringComparer.Ordinal).ToList() : named.Intersect(ids, StringComparer.Ordinal).ToList();
        }
        if (named is not null)
        {
            var views = new List<PatientView>();
            foreach (var id in named)
            {
                var found = patients.GetPatient(actor, id, categories, resource, record: true, anyOf: true);
                // Known on the chain but not opened here for this reader: the gate answers 403 (and records it) or 404.
                if (found.Kind == OutcomeKind.NotFound) found = gate.Open(actor, id, categories, resource);
                if (!found.IsOk) return found.As<SearchScope>();
                views.Add(found.Value!);
            }
            return Outcome<SearchScope>.Ok(new SearchScope(views, true));
        }
        var visible = patients.Visible(actor);
        if (!visible.IsOk) return visible.As<SearchScope>();
        return Outcome<SearchScope>.Ok(new SearchScope(visible.Value!.Where(p => (p.Shared & categories) != 0).ToList(), false));
    }

    /// <summary>
    /// Pages the matches (in the order given) and maps only the page; when the scope was not opened patient by patient, the
    /// patients whose records are on the page are recorded as read (<paramref name="category"/>, <paramref name="resource"/>).
    /// </summary>
    public FhirMatches Page<T>(UserSession actor, SearchScope scope, IReadOnlyList<T> matches, FhirSearch search, Func<T, string> patientOf,
        Func<T, Resource> map, ConsentCategories category, string resource) =>
        FhirMatches.Of(matches, search, page =>
        {
            if (!scope.Recorded)
            {
                var organisations = scope.Patients.ToDictionary(p => p.Id, p => p.OrganisationId, StringComparer.Ordinal);
                access.RecordReads(actor, page.Select(patientOf).Distinct(StringComparer.Ordinal)
                    .Select(id => (id, organisations.GetValueOrDefault(id) ?? "")), resource, category);
            }
            return page.Select(map);
        });
}

/// <summary>The patients of a search, as the reader sees them; <see cref="Recorded"/> when each was opened (and recorded) by name.</summary>
public sealed record SearchScope(IReadOnlyList<PatientView> Patients, bool Recorded)
{
    /// <summary>The patients whose records of <paramref name="category"/> the reader reaches.</summary>
    public IReadOnlyList<PatientView> Reaching(ConsentCategories category) => Patients.Where(p => (p.Shared & category) != 0).ToList();

    /// <summary>The ids of <see cref="Reaching"/>.</summary>
    public HashSet<string> Ids(ConsentCategories category) => Reaching(category).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
}
