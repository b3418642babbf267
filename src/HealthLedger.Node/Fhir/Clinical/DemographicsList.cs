using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// A list kept in a patient's demographics (the Conditions list, the medication history) as one FHIR resource per item:
/// id <c>{patientId}-{kind}-{n}</c> (n from 1, in order), read behind the demographics consent category, version = the
/// demographics' version. The resource types map an item; this finds it.
/// </summary>
/// <param name="kind">The id's middle part: <c>condition</c>, <c>medication</c>.</param>
/// <param name="items">The list of a patient's demographics.</param>
public sealed class DemographicsList(string kind, Func<PatientDetails, IReadOnlyList<string>> items)
{
    /// <summary>The id of a patient's n-th item.</summary>
    public string Id(string patientId, int n) => $"{patientId}-{kind}-{n.ToString(CultureInfo.InvariantCulture)}";

    /// <summary><c>{patientId}-{kind}-{n}</c> as its parts, or null when <paramref name="id"/> is not of this shape.</summary>
    public (string PatientId, int N)? Parse(string id)
    {
        var marker = $"-{kind}-";
        var at = id.LastIndexOf(marker, StringComparison.Ordinal);
        return at > 0 && int.TryParse(id.AsSpan(at + marker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? (id[..at], n) : null;
    }

    /// <summary>The items of a patient's demographics, trimmed, empty ones left out, in order.</summary>
    public IReadOnlyList<DemographicsItem> Of(PatientView patient) =>
        items(patient.Details).Select(i => i.Trim()).Where(i => i.Length > 0).Select((text, i) => new DemographicsItem(patient, text, i + 1, Id(patient.Id, i + 1))).ToList();

    /// <summary>
    /// The item <paramref name="id"/>: its patient opened for the demographics (recorded as <paramref name="resource"/>; 403
    /// when not shared), 404 when the id is not of this list's shape, the patient unknown or the item absent.
    /// </summary>
    public Outcome<DemographicsItem> Read(ClinicalScope scope, UserSession actor, string id, string resource)
    {
        if (Parse(id) is not { } target) return Outcome<DemographicsItem>.NotFound("No such item.");
        var patient = scope.Open(actor, target.PatientId, ConsentCategories.Demographics, resource);
        if (!patient.IsOk) return patient.As<DemographicsItem>();
        var found = Of(patient.Value!);
        return target.N <= found.Count && found[target.N - 1].Id == id ? Outcome<DemographicsItem>.Ok(found[target.N - 1]) : Outcome<DemographicsItem>.NotFound("No such item.");
    }

    /// <summary>The items of the patients of a search the reader reaches the demographics of, by patient id then number.</summary>
    public IEnumerable<DemographicsItem> Of(SearchScope within, FhirSearch search) =>
        within.Reaching(ConsentCategories.Demographics).OrderBy(p => p.Id, StringComparer.Ordinal).SelectMany(Of).Where(i => ClinicalCodes.MatchesId(search, i.Id));
}

/// <summary>One item of a <see cref="DemographicsList"/>: the patient as the reader sees them, the text, its number and id.</summary>
public sealed record DemographicsItem(PatientView Patient, string Text, int N, string Id);
