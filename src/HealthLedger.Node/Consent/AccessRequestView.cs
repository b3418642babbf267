using HealthLedger.Core.Records;

namespace HealthLedger.Node.Consent;

/// <summary>
/// An access request as shown to its patient or its doctor: the request, the doctor's directory entry, the reason opened with
/// the viewer's own key (null when it does not open), and its status now (pending, approved, declined or expired).
/// </summary>
public sealed record AccessRequestView(AccessRequestState Request, string DoctorName, string Specialty, string OrganisationName, string? Reason, string Status)
{
    /// <summary>True while the patient can still answer it.</summary>
    public bool Pending => Status == "pending";
}
