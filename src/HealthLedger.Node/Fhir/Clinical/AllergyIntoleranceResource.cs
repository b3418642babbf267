using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// <c>AllergyIntolerance</c>: the allergies text of a patient's demographics, one resource per ';'-separated item
/// (<c>code.text</c>, clinical status active), id <c>{patientId}-allergy-{n}</c> (n from 1, in order); consent category
/// demographics. The version is the demographics' version.
/// </summary>
public sealed class AllergyIntoleranceResource(ClinicalScope scope) : IFhirResourceType
{
    private const string Name = "FHIR AllergyIntolerance";
    private const string Marker = "-allergy-";

    /// <inheritdoc />
    public string TypeName => "AllergyIntolerance";

    /// <inheritdoc />
    public string Documentation => "The allergies recorded in a patient's demographics, one per ';'-separated item, as text.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        ClinicalScope.PatientParameter,
        new("clinical-status", SearchParamType.Token, "active (every recorded allergy)."),
        new("code", SearchParamType.Token, "The allergy's text (exact, case ignored); code:text matches the start of any word.", "text"),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("AllergyIntolerance:patient", r => [((AllergyIntolerance)r).Patient]),
    ];

    /// <summary>The allergy items of a patient's demographics, in order.</summary>
    public static IReadOnlyList<string> Items(PatientDetails details) =>
        details.Allergies.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        if (FhirIds.Ledger(id) is not { } ledgerId) return NotFound(id);
        id = ledgerId;
        var at = id.LastIndexOf(Marker, StringComparison.Ordinal);
        if (at <= 0 || !int.TryParse(id.AsSpan(at + Marker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1) return NotFound(id);
        var patient = scope.Open(actor, id[..at], ConsentCategories.Demographics, Name);
        if (patient.Kind == OutcomeKind.NotFound) return NotFound(id);
        if (!patient.IsOk) return patient.As<Resource>();
        var items = Items(patient.Value!.Details);
        return n <= items.Count && Id(patient.Value!.Id, n) == id ? Outcome<Resource>.Ok(ToFhir(patient.Value!, items[n - 1], n)) : NotFound(id);
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var textModifier = search.Modifiers.TryGetValue("code", out var modifier) && modifier == "text";
        return scope.Search(actor, search, TypeName, ConsentCategories.Demographics, within => within.Reaching(ConsentCategories.Demographics)
            .OrderBy(p => p.Id, StringComparer.Ordinal)
            .SelectMany(p => Items(p.Details).Select((text, i) => (Patient: p, Text: text, N: i + 1)))
            .Where(m => ClinicalCodes.MatchesId(search, Id(m.Patient.Id, m.N)))
            .Where(m => search.MatchesToken("clinical-status", (ClinicalCodes.AllergyClinical, "active")))
            .Where(m => textModifier ? search.MatchesString("code", m.Text) : search.MatchesToken("code", (null, m.Text)))
            .ToList(), m => m.Patient.Id, m => ToFhir(m.Patient, m.Text, m.N));
    }

    /// <summary>The id of a patient's n-th allergy.</summary>
    public static string Id(string patientId, int n) => $"{patientId}{Marker}{n.ToString(CultureInfo.InvariantCulture)}";

    private static AllergyIntolerance ToFhir(PatientView p, string text, int n) => new()
    {
        Id = FhirIds.Of(Id(p.Id, n)),
        Meta = FhirMeta.From(p.Proof, p.Version),
        ClinicalStatus = new CodeableConcept(ClinicalCodes.AllergyClinical, "active", "Active", "Active"),
        Code = new CodeableConcept { Text = text },
        Patient = FhirMeta.Reference("Patient", p.Id),
    };

    private static Outcome<Resource> NotFound(string id) => Outcome<Resource>.NotFound($"AllergyIntolerance '{Missing.Shown(id)}' is not known.");
}
