using HealthLedger.Node.Records;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Patients;

/// <summary>
/// A patient's demographics as the API shows them, with the age on the day asked and the ledger proof. The demographic
/// fields are null when the patient shares other parts of their record with the reader but not demographics;
/// <c>shared</c> lists what the reader may see (demographics, encounters, account, reports).
/// </summary>
public sealed record PatientResponse(string Id, string? Mrn, string? FullName, DateOnly? DateOfBirth, int? Age, string? Gender, string? Phone, string? Email,
    string? Address, IReadOnlyList<string>? Conditions, string? EmergencyContact, string? BloodGroup, string? Allergies, int Version, ProofResponse Proof,
    IReadOnlyList<string> Shared)
{
    /// <summary>The patient's area tag (a facility/site code of the organisation), or null when untagged.</summary>
    public string? Area { get; init; }

    /// <summary>Medication history (as reported), one item per medication; null when the demographics are not shared.</summary>
    public IReadOnlyList<string>? Medications { get; init; }

    /// <summary>The response for <paramref name="p"/> as its reader sees it.</summary>
    public static PatientResponse From(PatientView p, DateOnly today) => p.DemographicsShared
        ? new(p.Id, p.Details.Mrn, p.Details.FullName, p.Details.DateOfBirth, p.Details.AgeOn(today), p.Details.Gender, p.Details.Phone, p.Details.Email,
            p.Details.Address, p.Details.Conditions, p.Details.EmergencyContact, p.Details.BloodGroup, p.Details.Allergies, p.Version, ProofResponse.From(p.Proof),
            ConsentCategoryNames.Of(p.Shared))
        { Medications = p.Details.Medications }
        : new(p.Id, null, null, null, null, null, null, null, null, null, null, null, null, p.Version, ProofResponse.From(p.Proof), ConsentCategoryNames.Of(p.Shared));
}
