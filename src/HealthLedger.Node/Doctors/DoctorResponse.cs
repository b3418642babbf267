using HealthLedger.Node.Web;

namespace HealthLedger.Node.Doctors;

/// <summary>
/// A doctor's directory entry as the API shows it. <see cref="LicenceNumber"/>, <see cref="Phone"/> and <see cref="Email"/>
/// are null for patients (<see cref="DoctorService.SeesPrivateDetails"/>): they reach doctors through the organisation.
/// </summary>
public sealed record DoctorResponse(string Id, string Name, string Specialty, string Department, string Qualification, string? LicenceNumber,
    string? Phone, string? Email, string ConsultationHours, bool OnCall, int Version, ProofResponse Proof, string OrganisationId)
{
    /// <summary>The entry with every field (staff).</summary>
    public static DoctorResponse From(DoctorView d) => new(d.Id, d.Details.Name, d.Details.Specialty, d.Details.Department, d.Details.Qualification,
        d.Details.LicenceNumber, d.Details.Phone, d.Details.Email, d.Details.ConsultationHours, d.Details.OnCall, d.Version, ProofResponse.From(d.Proof), d.OrganisationId);

    /// <summary>The entry as <paramref name="reader"/>'s role may see it: without licence number, phone and e-mail for patients.</summary>
    public static Func<DoctorView, DoctorResponse> For(Core.Model.Role reader) => DoctorService.SeesPrivateDetails(reader)
        ? From
        : d => From(d) with { LicenceNumber = null, Phone = null, Email = null };
}

/// <summary>Sets or clears a doctor's on-call flag: <c>{"onCall": true|false}</c>, required (null or missing is 400 naming <c>onCall</c>).</summary>
public sealed record OnCallRequest(bool? OnCall);
