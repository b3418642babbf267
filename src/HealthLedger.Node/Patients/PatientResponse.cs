using HealthLedger.Node.Web;

namespace HealthLedger.Node.Patients;

/// <summary>A patient's demographics as the API shows them, with the age on the day asked and the ledger proof.</summary>
public sealed record PatientResponse(string Id, string Mrn, string FullName, DateOnly DateOfBirth, int Age, string Gender, string Phone, string Email,
    string Address, IReadOnlyList<string> Conditions, string EmergencyContact, string BloodGroup, string Allergies, int Version, ProofResponse Proof)
{
    public static PatientResponse From(PatientView p, DateOnly today) => new(p.Id, p.Details.Mrn, p.Details.FullName, p.Details.DateOfBirth,
        p.Details.AgeOn(today), p.Details.Gender, p.Details.Phone, p.Details.Email, p.Details.Address, p.Details.Conditions,
        p.Details.EmergencyContact, p.Details.BloodGroup, p.Details.Allergies, p.Version, ProofResponse.From(p.Proof));
}
