using HealthLedger.Core.Records;

namespace HealthLedger.Node.Consent;

/// <summary>
/// An access request as shown to its patient or its doctor: the request, the doctor's directory entry, the reason opened with
/// the viewer's own key (null when it does not open), and its status now (pending, approved, declined or expired).
/// </summary>
/// <param name="Request">The request as the chain holds it.</param>
/// <param name="DoctorName">The asking doctor's name (their id when this node cannot open their entry).</param>
/// <param name="Specialty">The doctor's specialty, or empty.</param>
/// <param name="OrganisationName">The doctor's organisation's name.</param>
/// <param name="Reason">The reason, opened for the viewer, or null.</param>
/// <param name="Status">pending, approved, declined or expired.</param>
/// <param name="Replaces">For a pending request seen by its patient: the patient's grant to the same doctor in force now,
/// which approving replaces (a doctor holds one grant per patient; the new one's categories and days apply instead).</param>
public sealed record AccessRequestView(AccessRequestState Request, string DoctorName, string Specialty, string OrganisationName, string? Reason, string Status,
    GrantState? Replaces = null)
{
    /// <summary>True while the patient can still answer it.</summary>
    public bool Pending => Status == "pending";
}
