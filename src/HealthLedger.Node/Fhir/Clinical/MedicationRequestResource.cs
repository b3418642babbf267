using HealthLedger.Core.Records;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary><c>MedicationRequest</c>: prescriptions (id = prescription id; consent category medication), see <see cref="MedicationMapping"/>.</summary>
public sealed class MedicationRequestResource(ClinicalScope scope, MedicationMapping medication) : IFhirResourceType
{
    private const string Name = "FHIR MedicationRequest";

    /// <inheritdoc />
    public string TypeName => "MedicationRequest";

    /// <inheritdoc />
    public string Documentation => "Prescriptions: the drug (ATC), dose, route, frequency, duration, quantity and repeats; active while units remain to dispense.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("patient", SearchParamType.Reference, "The patient (Patient/<id> or the id)."),
        new("subject", SearchParamType.Reference, "The patient (Patient/<id>)."),
        new("status", SearchParamType.Token, "active or completed."),
        new("intent", SearchParamType.Token, "order (every prescription)."),
        new("authoredon", SearchParamType.Date, "When prescribed."),
        new("date", SearchParamType.Date, "The days of treatment: from when prescribed for the prescribed duration."),
        new("code", SearchParamType.Token, "The drug's ATC code (http://www.whocc.no/atc|J01CA04)."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("MedicationRequest:patient", r => [((MedicationRequest)r).Subject]),
        new("MedicationRequest:requester", r => [((MedicationRequest)r).Requester]),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        scope.OpenGranted(actor);
        if (medication.Prescription(id) is not { } rx) return Outcome<Resource>.NotFound($"MedicationRequest '{Missing.Shown(id)}' is not known.");
        var patient = scope.Open(actor, rx.PatientId, ConsentCategories.Medication, Name);
        return patient.IsOk ? Outcome<Resource>.Ok(medication.MedicationRequest(rx)) : patient.As<Resource>();
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        if (ClinicalCodes.CheckDates(search, "authoredon", "date") is { } bad) return bad;
        var opened = scope.Patients(actor, search, ConsentCategories.Medication, Name);
        if (!opened.IsOk) return opened.As<FhirMatches>();
        var within = opened.Value!;
        var matches = within.Reaching(ConsentCategories.Medication)
            .SelectMany(p => medication.PrescriptionsOf(p.Id))
            .Where(rx => ClinicalCodes.MatchesId(search, rx.Id))
            .Where(rx => search.MatchesToken("status", ("http://hl7.org/fhir/CodeSystem/medicationrequest-status", medication.Status(rx))))
            .Where(rx => search.MatchesToken("intent", ("http://hl7.org/fhir/CodeSystem/medicationrequest-intent", "order")))
            .Where(rx => search.MatchesToken("code", (ClinicalCodes.Atc, rx.Details.AtcCode)))
            .Where(rx => ClinicalCodes.MatchesDate(search, "authoredon", MedicationMapping.Authored(rx)))
            .Where(rx => !search.Has("date") || search.MatchesDate("date", MedicationMapping.Authored(rx), MedicationMapping.Authored(rx).AddDays(Math.Max(1, rx.Details.DurationDays))))
            .OrderByDescending(rx => rx.Proof.Height).ThenBy(rx => rx.Id, StringComparer.Ordinal)
            .ToList();
        return Outcome<FhirMatches>.Ok(scope.Page(actor, within, matches, search, rx => rx.PatientId, rx => medication.MedicationRequest(rx), ConsentCategories.Medication, Name + " search"));
    }
}
