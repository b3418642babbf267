using HealthLedger.Node.Web;

namespace HealthLedger.Node.Doctors;

/// <summary>A doctor's directory entry as the API shows it.</summary>
public sealed record DoctorResponse(string Id, string Name, string Specialty, string Department, string Qualification, string LicenceNumber,
    string Phone, string Email, string ConsultationHours, bool OnCall, int Version, ProofResponse Proof, string OrganisationId)
{
    public static DoctorResponse From(DoctorView d) => new(d.Id, d.Details.Name, d.Details.Specialty, d.Details.Department, d.Details.Qualification,
        d.Details.LicenceNumber, d.Details.Phone, d.Details.Email, d.Details.ConsultationHours, d.Details.OnCall, d.Version, ProofResponse.From(d.Proof), d.OrganisationId);
}

/// <summary>Sets or clears a doctor's on-call flag.</summary>
public sealed record OnCallRequest(bool OnCall);
