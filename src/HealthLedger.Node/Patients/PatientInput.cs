using System.Text.Json.Serialization;

using HealthLedger.Node.Records;

namespace HealthLedger.Node.Patients;

/// <summary>Patient registration form / request body.</summary>
public sealed class PatientInput
{
    public string? Mrn { get; set; }
    public string? FullName { get; set; }
    public DateOnly? DateOfBirth { get; set; }
    public string? Gender { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public string? Address { get; set; }
    public List<string>? Conditions { get; set; }
    public string? EmergencyContact { get; set; }
    public string? BloodGroup { get; set; }
    public string? Allergies { get; set; }

    /// <summary>Medication history (as reported), one item per medication; see <see cref="PatientDetails.Medications"/>.</summary>
    public List<string>? Medications { get; set; }

    /// <summary>
    /// Edits only: the version of the demographics the client edited (as read: <c>version</c> of <c>GET</c>, or its
    /// <c>ETag</c>); an older one is refused with 409 (<see cref="EditedVersion"/>). Ignored at registration.
    /// </summary>
    public int? Version { get; set; }

    /// <summary>
    /// Optional area tag: a facility or site code of the organisation (<see cref="Core.Model.SiteCodes"/>), stored in plaintext on
    /// the chain like the organisation id (so never an address); an emergency naming an area covers only patients tagged with it.
    /// </summary>
    public string? Area { get; set; }

    /// <summary>The area tag, trimmed and lower-cased ("" when none), with a field error under <c>area</c> when it is not a site code.</summary>
    public static string CheckArea(FieldErrors errors, string? area)
    {
        var code = (area ?? "").Trim().ToLowerInvariant();
        if (code.Length > 0 && !Core.Model.SiteCodes.IsValid(code)) errors.Add("area", "The area is " + Core.Model.SiteCodes.Rule + ".");
        return code;
    }

    /// <summary>The conditions as one line each (for the web form).</summary>
    [JsonIgnore]
    public string? ConditionsText
    {
        get => Conditions is null ? null : string.Join("\n", Conditions);
        set => Conditions = (value ?? "").Split(['\n', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    /// <summary>The medication history as one line each (for the web form; drug names may hold commas, so only line breaks separate).</summary>
    [JsonIgnore]
    public string? MedicationsText
    {
        get => Medications is null ? null : string.Join("\n", Medications);
        set => Medications = (value ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    /// <summary>The most medications the history holds, and the longest one.</summary>
    public const int MaxMedications = 30, MaxMedicationLength = 200;

    /// <summary>Checks every field and returns the details, or the errors.</summary>
    public (PatientDetails? Details, FieldErrors Errors) Validate(DateOnly today)
    {
        var e = new FieldErrors();
        var mrn = FieldRules.Text(e, "mrn", Mrn, 32, true, "MRN");
        if (mrn.Length > 0 && !FieldRules.IsMrn(mrn)) e.Add("mrn", "MRN may hold letters, digits and '-' only.");
        var name = FieldRules.Text(e, "fullName", FullName, 200, true, "Full name");
        if (DateOfBirth is not { } dob) e.Add("dateOfBirth", "Date of birth is required.");
        else if (dob > today) e.Add("dateOfBirth", "Date of birth cannot be in the future.");
        else if (dob < new DateOnly(1890, 1, 1)) e.Add("dateOfBirth", "Date of birth is too far in the past.");
        var gender = (Gender ?? "").Trim().ToLowerInvariant();
        if (!FieldRules.Genders.Contains(gender)) e.Add("gender", $"Gender must be one of: {string.Join(", ", FieldRules.Genders)}.");
        var (phone, email) = FieldRules.Contact(e, Phone, Email);
        var address = FieldRules.Text(e, "address", Address, 500, false, "Address", multiline: true);
        var conditions = (Conditions ?? []).Select((c, i) => FieldRules.Text(e, $"conditions[{i}]", c, 200, false, "A condition")).Where(c => c.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (conditions.Count > 20) e.Add("conditions", "At most 20 conditions.");
        if (conditions.Any(c => c.Length > 100)) e.Add("conditions", "Each condition must be at most 100 characters.");
        var medications = (Medications ?? []).Select((m, i) => FieldRules.Text(e, $"medications[{i}]", m, MaxMedicationLength, false, "A medication")).Where(m => m.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (medications.Count > MaxMedications) e.Add("medications", $"At most {MaxMedications} medications.");
        var emergency = FieldRules.Text(e, "emergencyContact", EmergencyContact, 200, false, "Emergency contact");
        var blood = (BloodGroup ?? "unknown").Trim().ToUpperInvariant().Replace("UNKNOWN", "unknown", StringComparison.Ordinal);
        if (blood.Length == 0) blood = "unknown";
        if (!FieldRules.BloodGroups.Contains(blood)) e.Add("bloodGroup", $"Blood group must be one of: {string.Join(", ", FieldRules.BloodGroups)}.");
        var allergies = FieldRules.Text(e, "allergies", Allergies, 500, false, "Allergies", multiline: true);
        if (!e.IsEmpty) return (null, e);
        return (new PatientDetails
        {
            Mrn = mrn.ToUpperInvariant(),
            FullName = name,
            DateOfBirth = DateOfBirth!.Value,
            Gender = gender,
            Phone = phone,
            Email = email,
            Address = address,
            Conditions = conditions,
            EmergencyContact = emergency,
            BloodGroup = blood,
            Allergies = allergies,
            Medications = medications,
        }, e);
    }
}
