using HealthLedger.Core.Records;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary><c>MedicationDispense</c>: what pharmacists dispensed (id = dispense id; consent category medication), see <see cref="MedicationMapping"/>.</summary>
public sealed class MedicationDispenseResource(ClinicalScope scope, MedicationMapping medication) : IFhirResourceType
{
    /// <inheritdoc />
    public string TypeName => "MedicationDispense";

    /// <inheritdoc />
    public string Documentation => "Dispenses: the drug, units handed over, when, by which pharmacist, for which prescription.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        ClinicalScope.PatientParameter,
        ClinicalScope.SubjectParameter,
        new("prescription", SearchParamType.Reference, "The prescription (MedicationRequest/<id> or the id)."),
        new("whenhandedover", SearchParamType.Date, "When dispensed."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("MedicationDispense:patient", r => [((MedicationDispense)r).Subject]),
        new("MedicationDispense:prescription", r => ((MedicationDispense)r).AuthorizingPrescription),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id) =>
        scope.Read(actor, TypeName, id, medication.Dispense, dp => dp.PatientId, ConsentCategories.Medication, medication.MedicationDispense);

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        if (ClinicalCodes.CheckDates(search, "whenhandedover") is { } bad) return bad;
        var (prescriptions, error) = search.ReferenceIds("prescription", "MedicationRequest");
        if (error is not null) return ClinicalCodes.Invalid<FhirMatches>("prescription", error);
        return scope.Search(actor, search, TypeName, ConsentCategories.Medication, within => within.Reaching(ConsentCategories.Medication)
            .SelectMany(p => medication.PrescriptionsOf(p.Id))
            .Where(rx => prescriptions.Count == 0 || prescriptions.Contains(rx.Id, StringComparer.Ordinal))
            .SelectMany(rx => medication.DispensesOf(rx.Id))
            .Where(dp => ClinicalCodes.MatchesId(search, dp.Id))
            .Where(dp => ClinicalCodes.MatchesDate(search, "whenhandedover", FhirMeta.BlockTime(dp.Proof)))
            .OrderByDescending(dp => dp.Proof.Height).ThenBy(dp => dp.Id, StringComparer.Ordinal)
            .ToList(), dp => dp.PatientId, medication.MedicationDispense);
    }
}
