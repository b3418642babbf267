using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Export;

/// <summary>
/// Gathers a patient's record (their FHIR Patient compartment) generically from the registered resource types: the
/// Patient read, then every type with a <c>patient</c> search parameter searched for the patient page by page, then the
/// <see cref="IFhirDerivedResourceType"/>s (Provenance) derived from what was gathered. Every read goes through the type's
/// own Read/Search, so the same access rules apply and each is recorded as those reads are; a type the reader may not see
/// for this patient (403) is left out, and the refusals are recorded as one event naming the types withheld. Used by <c>Patient/{id}/$everything</c>, the "Download my record (FHIR)" button
/// and bulk <c>$export</c>.
/// </summary>
public sealed class FhirEverything(IServiceProvider services, FhirPatientAccess gate, RecordAccess access, DisclosureRecorder disclosures)
{
    /// <summary>The parameter that puts a type in the patient compartment here.</summary>
    public const string PatientParameter = "patient";

    private FhirResourceTypes Types => (FhirResourceTypes)services.GetService(typeof(FhirResourceTypes))!;

    /// <summary>The registered types searchable by patient (the compartment), by name, Patient excluded.</summary>
    public IReadOnlyList<IFhirResourceType> CompartmentTypes =>
        [.. Types.All.Where(t => t.TypeName != "Patient" && t.SearchParameters.Any(p => p.Name == PatientParameter))];

    /// <summary>The registered types outside the patient compartment (no <c>patient</c> parameter; not Patient, not derived).</summary>
    public IReadOnlyList<IFhirResourceType> OtherTypes =>
        [.. Types.All.Where(t => t.TypeName != "Patient" && t is not IFhirDerivedResourceType && t.SearchParameters.All(p => p.Name != PatientParameter))];

    /// <summary>
    /// The patient's resources as <paramref name="actor"/> may see them: the Patient first, then each type's matches, then
    /// the derived types' resources. <paramref name="only"/> (type names) narrows the types when not null (the Patient is
    /// still read, for access, but left out when not asked for); <paramref name="since"/> keeps resources whose
    /// meta.lastUpdated is at or after it. When <paramref name="disclosure"/> is given and the reader is not the patient,
    /// the whole-record read is recorded as a disclosure of that name (e.g. "FHIR $everything"). The Patient's refusal
    /// (403/404) is the outcome; other types' 403s are omissions; a type whose search is invalid is left out with a warning
    /// OperationOutcome in the list; any other failure (503) is returned.
    /// </summary>
    public Outcome<IReadOnlyList<Resource>> Gather(UserSession actor, string patientId, IReadOnlySet<string>? only = null, DateTimeOffset? since = null,
        string? disclosure = null, CancellationToken ct = default)
    {
        var types = Types;
        if (types.Find("Patient") is not { } patientType) return Outcome<IReadOnlyList<Resource>>.NotFound("The Patient type is not served.");
        var patient = patientType.Read(actor, patientId);
        if (!patient.IsOk) return patient.As<IReadOnlyList<Resource>>();
        if (disclosure is not null && actor.UserId != patientId && gate.OrganisationOf(patientId) is { } organisation)
        {
            access.RecordReads(actor, [(patientId, organisation)], disclosure, ConsentCategories.All);
        }
        var gathered = new List<Resource> { patient.Value! };
        var derived = new List<IFhirDerivedResourceType>();
        // Each type records its reads as it makes them; the types it is refused (consent categories not granted) are
        // recorded once, as one refusal naming them, not one refusal per type.
        using var refusals = DisclosureRecorder.LeaveOut(reads: false, refusals: true);
        var withheld = new List<string>();
        foreach (var type in CompartmentTypes)
        {
            if (only is not null && !only.Contains(type.TypeName)) continue;
            if (type is IFhirDerivedResourceType d)
            {
                derived.Add(d);
                continue;
            }
            var found = SearchAll(actor, type, new() { [PatientParameter] = patientId }, ct);
            if (found.IsOk) gathered.AddRange(found.Value!);
            else if (found.Kind == OutcomeKind.Invalid)
            {
                // A type that cannot be searched by this patient (a mapping's bug, not the reader's): the rest is still
                // returned, with a warning OperationOutcome saying what is missing.
                gathered.Add(new OperationOutcome
                {
                    Id = "incomplete-" + type.TypeName,
                    Issue = [FhirOutcomes.Issue(OperationOutcome.IssueSeverity.Warning, OperationOutcome.IssueType.Incomplete, $"{type.TypeName} could not be searched by patient; it is left out.")],
                });
            }
            else if (found.Kind == OutcomeKind.Forbidden) withheld.Add(type.TypeName);
            else if (found.Kind != OutcomeKind.NotFound) return found;
        }
        foreach (var type in derived) gathered.AddRange(type.Derive(actor, gathered.Where(r => r is not OperationOutcome).ToList()));
        refusals.Dispose();
        if (refusals.Refused.Count > 0 && actor.UserId != patientId)
        {
            var what = withheld.Count > 0 ? string.Join(", ", withheld) : "part of the record";
            disclosures.Record(actor, patientId, $"{disclosure ?? "FHIR $everything"}: withheld {what}", "-", allowed: false);
        }
        IEnumerable<Resource> result = gathered;
        if (only is not null && !only.Contains("Patient")) result = result.Skip(1);
        // _since keeps what changed at or after it: a resource without a time (an account with no lines yet) has not.
        if (since is { } s) result = result.Where(r => r is OperationOutcome || (r.Meta?.LastUpdated is { } updated && updated >= s));
        return Outcome<IReadOnlyList<Resource>>.Ok(result.DistinctBy(r => r.TypeName + "/" + r.Id).ToList());
    }

    /// <summary>Every match of a search with <paramref name="parameters"/>, page by page (each page read and recorded by the type).</summary>
    public static Outcome<IReadOnlyList<Resource>> SearchAll(UserSession actor, IFhirResourceType type, Dictionary<string, StringValues> parameters, CancellationToken ct = default)
    {
        var all = new List<Resource>();
        for (var offset = 0; ; offset += FhirSearch.MaxCount)
        {
            ct.ThrowIfCancellationRequested();
            var query = new Dictionary<string, StringValues>(parameters, StringComparer.Ordinal)
            {
                ["_count"] = FhirSearch.MaxCount.ToString(CultureInfo.InvariantCulture),
                ["_offset"] = offset.ToString(CultureInfo.InvariantCulture),
            };
            var (search, errors) = FhirSearch.Parse(new QueryCollection(query), type);
            if (search is null) return Outcome<IReadOnlyList<Resource>>.Invalid(errors);
            var page = type.Search(actor, search);
            if (!page.IsOk) return page.As<IReadOnlyList<Resource>>();
            all.AddRange(page.Value!.Page);
            if (page.Value.Page.Count == 0 || offset + FhirSearch.MaxCount >= page.Value.Total) return Outcome<IReadOnlyList<Resource>>.Ok(all);
        }
    }
}
