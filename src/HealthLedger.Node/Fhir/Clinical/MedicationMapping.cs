using System.Globalization;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// Prescriptions as MedicationRequests (id = prescription id; active while units remain to dispense, repeats included, then
/// completed) and dispenses as MedicationDispenses (id = dispense id), both under the medication consent category. The drug
/// is a CodeableConcept: its WHO ATC code when the formulary has one and the label as prescribed.
/// </summary>
public sealed class MedicationMapping(PrescriptionStore prescriptions, DispenseStore dispenses, AccessPolicy policy, FhirPeople people)
{
    /// <summary>A prescription, or null.</summary>
    public PrescriptionView? Prescription(string id) => prescriptions.Prescription(id);

    /// <summary>A dispense, or null.</summary>
    public DispenseView? Dispense(string id) => dispenses.Dispense(id);

    /// <summary>A patient's prescriptions, newest first.</summary>
    public IReadOnlyList<PrescriptionView> PrescriptionsOf(string patientId) => prescriptions.ForPatient(patientId);

    /// <summary>The dispenses of a prescription, oldest first.</summary>
    public IReadOnlyList<DispenseView> DispensesOf(string prescriptionId) => dispenses.ForPrescription(prescriptionId);

    /// <summary>active while units remain to dispense, completed once all were.</summary>
    public string Status(PrescriptionView rx) => Core.Records.Pharmacy.Filled(policy.State, rx.Id).Units < rx.Authorised ? "active" : "completed";

    /// <summary>The drug: ATC (when known) and the label as prescribed.</summary>
    public static CodeableConcept Drug(string label, string atc)
    {
        var concept = new CodeableConcept { Text = label };
        if (atc.Length > 0) concept.Coding.Add(new Coding(ClinicalCodes.Atc, atc));
        return concept;
    }

    /// <summary>The treatment's days as a UCUM duration.</summary>
    public static Duration Days(int days) => new() { Value = days, Unit = "days", System = ClinicalCodes.Ucum, Code = "d" };

    /// <summary>When the prescription was written (its block time).</summary>
    public static DateTimeOffset Authored(PrescriptionView rx) => FhirMeta.BlockTime(rx.Proof);

    /// <summary>A prescription as a MedicationRequest.</summary>
    public MedicationRequest MedicationRequest(PrescriptionView rx)
    {
        var d = rx.Details;
        var request = new MedicationRequest
        {
            Id = rx.Id,
            Meta = FhirMeta.From(rx.Proof, 1),
            Status = Status(rx) == "active" ? Hl7.Fhir.Model.MedicationRequest.MedicationrequestStatus.Active : Hl7.Fhir.Model.MedicationRequest.MedicationrequestStatus.Completed,
            Intent = Hl7.Fhir.Model.MedicationRequest.MedicationRequestIntent.Order,
            Medication = Drug(d.Drug, d.AtcCode),
            Subject = FhirMeta.Reference("Patient", rx.PatientId),
            AuthoredOn = FhirMeta.DateTime(Authored(rx)).Value,
            Requester = FhirMeta.Reference("Practitioner", rx.DoctorId),
            DosageInstruction =
            [
                new Dosage
                {
                    Text = $"{d.Dose}, {d.Route}, {d.Frequency}, for {d.DurationDays.ToString(CultureInfo.InvariantCulture)} days",
                    PatientInstruction = d.Instructions.Length > 0 ? d.Instructions : null,
                    Route = d.Route.Length > 0 ? new CodeableConcept { Text = d.Route } : null,
                    Timing = new Timing { Repeat = new Timing.RepeatComponent { Bounds = Days(d.DurationDays) }, Code = new CodeableConcept { Text = d.Frequency } },
                },
            ],
            DispenseRequest = new MedicationRequest.DispenseRequestComponent
            {
                NumberOfRepeatsAllowed = rx.Repeats,
                Quantity = new Quantity { Value = rx.Quantity, Unit = "units" },
                ExpectedSupplyDuration = Days(d.DurationDays),
                Performer = FhirMeta.Reference("Organization", rx.PharmacyId),
            },
        };
        if (d.AllergyWarnings.Count > 0)
        {
            request.Note = [new Annotation { Text = new Markdown($"Allergy warning: {string.Join("; ", d.AllergyWarnings)}. Prescribed because: {d.OverrideReason}") }];
        }
        return request;
    }

    /// <summary>A dispense as a MedicationDispense (the drug's ATC from its prescription).</summary>
    public MedicationDispense MedicationDispense(DispenseView dp)
    {
        var rx = prescriptions.Prescription(dp.PrescriptionId);
        var dispense = new MedicationDispense
        {
            Id = dp.Id,
            Meta = FhirMeta.From(dp.Proof, 1),
            Status = Hl7.Fhir.Model.MedicationDispense.MedicationDispenseStatusCodes.Completed,
            Medication = Drug(dp.Details.Drug, rx?.Details.AtcCode ?? ""),
            Subject = FhirMeta.Reference("Patient", dp.PatientId),
            Performer = [new MedicationDispense.PerformerComponent { Actor = people.Of(dp.PharmacistId) }],
            AuthorizingPrescription = [FhirMeta.Reference("MedicationRequest", dp.PrescriptionId)],
            Quantity = new Quantity { Value = dp.Quantity, Unit = "units" },
            WhenHandedOver = FhirMeta.DateTime(FhirMeta.BlockTime(dp.Proof)).Value,
        };
        if (rx is not null) dispense.DaysSupply = Days(rx.Details.DurationDays);
        if (dp.Details.Notes.Length > 0) dispense.Note = [new Annotation { Text = new Markdown(dp.Details.Notes) }];
        return dispense;
    }
}
