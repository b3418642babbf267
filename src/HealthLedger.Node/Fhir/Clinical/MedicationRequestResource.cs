using HealthLedger.Core.Records;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// <c>MedicationRequest</c>: prescriptions (id = prescription id; consent category medication), see
/// <see cref="MedicationMapping"/>; and each item of a patient's medication history as reported (demographics; consent
/// category demographics, as the Conditions list), id <c>{patientId}-medication-{n}</c>: status active, intent order,
/// <c>reportedBoolean</c> true ("reported rather than primary record"), the item as <c>medicationCodeableConcept.text</c>.
/// </summary>
public sealed class MedicationRequestResource(ClinicalScope scope, MedicationMapping medication) : IFhirResourceType
{
    private const string Name = "FHIR MedicationRequest";
    private const string StatusSystem = "http://hl7.org/fhir/CodeSystem/medicationrequest-status";
    private const string IntentSystem = "http://hl7.org/fhir/CodeSystem/medicationrequest-intent";

    /// <summary>The medication history (as reported) of the demographics, one MedicationRequest per item.</summary>
    public static readonly DemographicsList History = new("medication", d => d.Medications);

    /// <inheritdoc />
    public string TypeName => "MedicationRequest";

    /// <inheritdoc />
    public string Documentation => "Prescriptions: the drug (ATC), dose, route, frequency, duration, quantity and repeats; active while units remain to dispense. "
        + "And the medication history as reported (reportedBoolean true), one per item, as text.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("patient", SearchParamType.Reference, "The patient (Patient/<id> or the id)."),
        new("subject", SearchParamType.Reference, "The patient (Patient/<id>)."),
        new("status", SearchParamType.Token, "active or completed (reported medications are active)."),
        new("intent", SearchParamType.Token, "order (every prescription and reported medication)."),
        new("authoredon", SearchParamType.Date, "When prescribed (reported medications have no date)."),
        new("date", SearchParamType.Date, "The days of treatment: from when prescribed for the prescribed duration (reported medications have none)."),
        new("code", SearchParamType.Token, "The drug's ATC code (http://www.whocc.no/atc|J01CA04), or a reported medication's text (exact, case ignored); code:text matches the start of any word of either.", "text"),
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
        if (medication.Prescription(id) is { } rx)
        {
            var patient = scope.Open(actor, rx.PatientId, ConsentCategories.Medication, Name);
            return patient.IsOk ? Outcome<Resource>.Ok(medication.MedicationRequest(rx)) : patient.As<Resource>();
        }
        var item = History.Read(scope, actor, id, Name);
        return item.IsOk ? Outcome<Resource>.Ok(Reported(item.Value!))
            : item.Kind == OutcomeKind.NotFound ? Outcome<Resource>.NotFound($"MedicationRequest '{Missing.Shown(id)}' is not known.") : item.As<Resource>();
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        if (ClinicalCodes.CheckDates(search, "authoredon", "date") is { } bad) return bad;
        var opened = scope.Patients(actor, search, ConsentCategories.Medication | ConsentCategories.Demographics, Name);
        if (!opened.IsOk) return opened.As<FhirMatches>();
        var within = opened.Value!;
        var textModifier = search.Modifiers.TryGetValue("code", out var modifier) && modifier == "text";
        var prescriptions = within.Reaching(ConsentCategories.Medication)
            .SelectMany(p => medication.PrescriptionsOf(p.Id))
            .Where(rx => ClinicalCodes.MatchesId(search, rx.Id))
            .Where(rx => search.MatchesToken("status", (StatusSystem, medication.Status(rx))))
            .Where(rx => search.MatchesToken("intent", (IntentSystem, "order")))
            .Where(rx => textModifier ? search.MatchesString("code", rx.Details.Drug) : search.MatchesToken("code", (ClinicalCodes.Atc, rx.Details.AtcCode)))
            .Where(rx => ClinicalCodes.MatchesDate(search, "authoredon", MedicationMapping.Authored(rx)))
            .Where(rx => !search.Has("date") || search.MatchesDate("date", MedicationMapping.Authored(rx), MedicationMapping.Authored(rx).AddDays(Math.Max(1, rx.Details.DurationDays))))
            .OrderByDescending(rx => rx.Proof.Height).ThenBy(rx => rx.Id, StringComparer.Ordinal)
            .Select(rx => (rx.PatientId, Category: ConsentCategories.Medication, Map: (Func<Resource>)(() => medication.MedicationRequest(rx))));
        // Reported medications: active orders without a date.
        var reported = search.Has("authoredon") || search.Has("date") ? [] : History.Of(within, search)
            .Where(i => search.MatchesToken("status", (StatusSystem, "active")) && search.MatchesToken("intent", (IntentSystem, "order")))
            .Where(i => textModifier ? search.MatchesString("code", i.Text) : search.MatchesToken("code", (null, i.Text)))
            .Select(i => (PatientId: i.Patient.Id, Category: ConsentCategories.Demographics, Map: (Func<Resource>)(() => Reported(i))));
        var matches = prescriptions.Concat(reported).ToList();
        var categories = matches.Aggregate(ConsentCategories.None, (all, m) => all | m.Category);
        return Outcome<FhirMatches>.Ok(scope.Page(actor, within, matches, search, m => m.PatientId, m => m.Map(), categories, Name + " search"));
    }

    /// <summary>An item of the medication history as a MedicationRequest reported rather than a primary record.</summary>
    public static MedicationRequest Reported(DemographicsItem item) => new()
    {
        Id = item.Id,
        Meta = FhirMeta.From(item.Patient.Proof, item.Patient.Version),
        Status = MedicationRequest.MedicationrequestStatus.Active,
        Intent = MedicationRequest.MedicationRequestIntent.Order,
        Reported = new FhirBoolean(true),
        Medication = new CodeableConcept { Text = item.Text },
        Subject = FhirMeta.Reference("Patient", item.Patient.Id),
    };
}
