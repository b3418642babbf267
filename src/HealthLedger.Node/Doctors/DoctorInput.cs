using HealthLedger.Core.Model;

using HealthLedger.Node.Records;

namespace HealthLedger.Node.Doctors;

/// <summary>Doctor registration form / request body.</summary>
public sealed class DoctorInput
{
    /// <summary>The doctor's login and directory id.</summary>
    public string? DoctorId { get; set; }
    public string? Name { get; set; }
    public string? Specialty { get; set; }
    public string? Department { get; set; }
    public string? Qualification { get; set; }
    public string? LicenceNumber { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public string? ConsultationHours { get; set; }
    public bool OnCall { get; set; }

    /// <summary>
    /// Edits only: the version of the entry the client edited (as read: <c>version</c> of <c>GET</c>, or its <c>ETag</c>);
    /// an older one is refused with 409 (<see cref="EditedVersion"/>). Ignored at registration.
    /// </summary>
    public int? Version { get; set; }

    /// <summary>
    /// Words that name an address beside <c>/doctors/{id}</c> (the on-call list, the registration page; API and pages): a doctor
    /// with such an id could be neither shown nor changed there, so no doctor is registered under one.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedIds = new HashSet<string>(StringComparer.Ordinal) { "on-call", "register" };

    /// <summary>Checks every field and returns the id and details, or the errors.</summary>
    public (string Id, DoctorDetails? Details, FieldErrors Errors) Validate()
    {
        var e = new FieldErrors();
        var id = (DoctorId ?? "").Trim().ToLowerInvariant();
        if (!Identifiers.IsValid(id)) e.Add("doctorId", $"Doctor id must be {Identifiers.Rule}.");
        var name = FieldRules.Text(e, "name", Name, 200, true, "Name");
        var specialty = FieldRules.Text(e, "specialty", Specialty, 100, true, "Specialty");
        var department = FieldRules.Text(e, "department", Department, 100, true, "Department");
        var qualification = FieldRules.Text(e, "qualification", Qualification, 200, false, "Qualification");
        var licence = FieldRules.Text(e, "licenceNumber", LicenceNumber, 50, true, "Licence number");
        var (phone, email) = FieldRules.Contact(e, Phone, Email);
        var hours = FieldRules.Text(e, "consultationHours", ConsultationHours, 200, false, "Consultation hours");
        if (!e.IsEmpty) return (id, null, e);
        return (id, new DoctorDetails
        {
            Name = name,
            Specialty = specialty,
            Department = department,
            Qualification = qualification,
            LicenceNumber = licence,
            Phone = phone,
            Email = email,
            ConsultationHours = hours,
            OnCall = OnCall,
        }, e);
    }
}
