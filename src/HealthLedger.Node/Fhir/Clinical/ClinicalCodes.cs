using System.Text;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>Code systems and small helpers shared by the clinical mappings.</summary>
public static class ClinicalCodes
{
    /// <summary>LOINC.</summary>
    public const string Loinc = "http://loinc.org";

    /// <summary>UCUM units.</summary>
    public const string Ucum = "http://unitsofmeasure.org";

    /// <summary>Observation categories (vital-signs, laboratory).</summary>
    public const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";

    /// <summary>Diagnostic service sections (LAB, RAD…), HL7 v2 table 0074.</summary>
    public const string DiagnosticService = "http://terminology.hl7.org/CodeSystem/v2-0074";

    /// <summary>Observation interpretation (H, L, HH, LL, N).</summary>
    public const string Interpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

    /// <summary>Condition categories (problem-list-item, encounter-diagnosis).</summary>
    public const string ConditionCategory = "http://terminology.hl7.org/CodeSystem/condition-category";

    /// <summary>Condition clinical status.</summary>
    public const string ConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";

    /// <summary>AllergyIntolerance clinical status.</summary>
    public const string AllergyClinical = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";

    /// <summary>WHO ATC.</summary>
    public const string Atc = "http://www.whocc.no/atc";

    /// <summary>SNOMED CT.</summary>
    public const string Snomed = "http://snomed.info/sct";

    /// <summary>A laboratory catalogue's test and panel codes (the laboratory's own codes).</summary>
    public const string LabTestCodes = FhirMeta.CodeSystem + "/lab-test";

    /// <summary>HealthLedger's report types (lab, imaging, discharge-summary…).</summary>
    public const string ReportTypes = FhirMeta.CodeSystem + "/report-type";

    /// <summary>The identifier system of a file's SHA-256 as the ledger records it (hex).</summary>
    public const string Sha256System = "https://healthledger.example/fhir/NamingSystem/sha256";

    /// <summary>A text as a FHIR id fragment: characters outside [A-Za-z0-9-.] become '-'.</summary>
    public static string IdPart(string text)
    {
        var b = new StringBuilder(text.Length);
        foreach (var c in text) b.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-');
        return b.ToString();
    }

    /// <summary>A coding of the observation-category system.</summary>
    public static CodeableConcept ObservationCategoryOf(string code, string display) => new(ObservationCategory, code, display) { Text = display };

    /// <summary>A UCUM quantity.</summary>
    public static Quantity Quantity(decimal value, string unit, string? ucum = null) => new()
    {
        Value = value,
        Unit = unit,
        System = Ucum,
        Code = ucum ?? unit,
    };

    /// <summary>400 naming <paramref name="name"/>.</summary>
    public static Outcome<T> Invalid<T>(string name, string message) => Outcome<T>.Invalid(FieldErrors.One(name, message));

    /// <summary>The first date-parameter error among <paramref name="names"/>, as a 400; null when all read.</summary>
    public static Outcome<FhirMatches>? CheckDates(FhirSearch search, params string[] names)
    {
        foreach (var name in names)
        {
            if (search.CheckDates(name) is { } error) return Invalid<FhirMatches>(name, error);
        }
        return null;
    }

    /// <summary>True when the FHIR id of HealthLedger id <paramref name="ledgerId"/> (<see cref="FhirIds.Of"/>) is one of the <c>_id</c> values (or none was given).</summary>
    public static bool MatchesId(FhirSearch search, string ledgerId) => MatchesFhirId(search, FhirIds.Of(ledgerId));

    /// <summary>True when FHIR id <paramref name="fhirId"/> is one of the <c>_id</c> values (or none was given).</summary>
    public static bool MatchesFhirId(FhirSearch search, string fhirId) => search.AnyOf("_id") is { Count: > 0 } ids ? ids.Contains(fhirId, StringComparer.Ordinal) : true;

    /// <summary>True when the date parameter is absent, or given and <paramref name="at"/> is an instant that satisfies it.</summary>
    public static bool MatchesDate(FhirSearch search, string name, DateTimeOffset? at) =>
        !search.Has(name) || (at is { } value && search.MatchesDate(name, value));
}
