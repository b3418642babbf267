using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Node.Hospital;

/// <summary>Shared field rules.</summary>
public static partial class FieldRules
{
    public static readonly string[] Genders = ["female", "male", "other", "unknown"];
    public static readonly string[] BloodGroups = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-", "unknown"];
    public static readonly string[] PaymentMethods = ["cash", "card", "insurance", "bank-transfer"];
    public static readonly string[] EncounterTypes = ["admission", "visit", "transfer", "discharge"];

    public static bool IsPhone(string value) => Phone().IsMatch(value);

    /// <summary>Checks an optional phone number and email address; returns them trimmed.</summary>
    public static (string Phone, string Email) Contact(FieldErrors errors, string? phone, string? email)
    {
        var p = Text(errors, "phone", phone, 20, false, "Phone");
        if (p.Length > 0 && !IsPhone(p)) errors.Add("phone", "Phone must be digits, spaces, '()-', optionally starting with '+' (6 to 20 characters).");
        var m = Text(errors, "email", email, 200, false, "Email");
        if (m.Length > 0 && !IsEmail(m)) errors.Add("email", "Email is not a valid address.");
        return (p, m);
    }

    public static bool IsEmail(string value) => Email().IsMatch(value);

    public static bool IsMrn(string value) => Mrn().IsMatch(value);

    /// <summary>Adds an error when a required text is missing or a text is too long; returns the trimmed text.</summary>
    public static string Text(FieldErrors errors, string field, string? value, int max, bool required, string label)
    {
        var text = (value ?? "").Trim();
        if (required && text.Length == 0) errors.Add(field, $"{label} is required.");
        else if (text.Length > max) errors.Add(field, $"{label} must be at most {max} characters.");
        return text;
    }

    [GeneratedRegex(@"^\+?[0-9][0-9 ()\-]{5,19}$", RegexOptions.CultureInvariant)]
    private static partial Regex Phone();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9\-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex Mrn();
}

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

    /// <summary>The conditions as one line each (for the web form).</summary>
    [JsonIgnore]
    public string? ConditionsText
    {
        get => Conditions is null ? null : string.Join("\n", Conditions);
        set => Conditions = (value ?? "").Split(['\n', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

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
        var address = FieldRules.Text(e, "address", Address, 500, false, "Address");
        var conditions = (Conditions ?? []).Select(c => c.Trim()).Where(c => c.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (conditions.Count > 20) e.Add("conditions", "At most 20 conditions.");
        if (conditions.Any(c => c.Length > 100)) e.Add("conditions", "Each condition must be at most 100 characters.");
        var emergency = FieldRules.Text(e, "emergencyContact", EmergencyContact, 200, false, "Emergency contact");
        var blood = (BloodGroup ?? "unknown").Trim().ToUpperInvariant().Replace("UNKNOWN", "unknown", StringComparison.Ordinal);
        if (blood.Length == 0) blood = "unknown";
        if (!FieldRules.BloodGroups.Contains(blood)) e.Add("bloodGroup", $"Blood group must be one of: {string.Join(", ", FieldRules.BloodGroups)}.");
        var allergies = FieldRules.Text(e, "allergies", Allergies, 500, false, "Allergies");
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
        }, e);
    }
}

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

/// <summary>An encounter or account entry form / request body.</summary>
public sealed class EntryInput
{
    /// <summary>admission, visit, transfer, discharge, charge or payment.</summary>
    public string? Type { get; set; }
    public DateTime? OccurredAt { get; set; }
    public string? DoctorId { get; set; }
    public string? Ward { get; set; }
    public string? Bed { get; set; }
    public string? Reason { get; set; }
    public string? Notes { get; set; }
    public string? Diagnosis { get; set; }
    public string? Summary { get; set; }
    public string? Service { get; set; }
    public int? Quantity { get; set; }
    public decimal? UnitPrice { get; set; }
    public decimal? Amount { get; set; }
    public string? Method { get; set; }
    /// <summary>The entry this one corrects, if any.</summary>
    public string? CorrectsId { get; set; }

    /// <summary>Checks the fields that apply to the type. <paramref name="now"/> is the hospital's clock.</summary>
    public (EntryType Type, EntryDetails? Details, FieldErrors Errors) Validate(DateTime now)
    {
        var e = new FieldErrors();
        var typeText = (Type ?? "").Trim().ToLowerInvariant();
        if (!Enum.TryParse<EntryType>(typeText, ignoreCase: true, out var type) || !Enum.IsDefined(type) || int.TryParse(typeText, CultureInfo.InvariantCulture, out _))
        {
            e.Add("type", "Type must be one of: admission, visit, transfer, discharge, charge, payment.");
            return (default, null, e);
        }
        if (OccurredAt is not { } at) e.Add("occurredAt", "Date and time are required.");
        else if (at > now.AddDays(1)) e.Add("occurredAt", "Date and time cannot be in the future.");
        else if (at < new DateTime(1950, 1, 1)) e.Add("occurredAt", "Date and time are too far in the past.");
        var details = new EntryDetails { OccurredAt = OccurredAt ?? default };
        switch (type)
        {
            case EntryType.Admission:
                details = details with
                {
                    Ward = FieldRules.Text(e, "ward", Ward, 50, true, "Ward"),
                    Bed = FieldRules.Text(e, "bed", Bed, 20, true, "Bed"),
                    Reason = FieldRules.Text(e, "reason", Reason, 1000, true, "Reason"),
                };
                RequireDoctor(e);
                break;
            case EntryType.Visit:
                details = details with
                {
                    Notes = FieldRules.Text(e, "notes", Notes, 4000, true, "Notes"),
                    Diagnosis = FieldRules.Text(e, "diagnosis", Diagnosis, 500, false, "Diagnosis"),
                };
                RequireDoctor(e);
                break;
            case EntryType.Transfer:
                details = details with
                {
                    Ward = FieldRules.Text(e, "ward", Ward, 50, true, "Ward"),
                    Bed = FieldRules.Text(e, "bed", Bed, 20, true, "Bed"),
                    Reason = FieldRules.Text(e, "reason", Reason, 1000, false, "Reason"),
                };
                break;
            case EntryType.Discharge:
                details = details with { Summary = FieldRules.Text(e, "summary", Summary, 4000, true, "Summary") };
                break;
            case EntryType.Charge:
                details = details with { Service = FieldRules.Text(e, "service", Service, 200, true, "Service"), Quantity = Quantity, UnitPrice = UnitPrice };
                if (Quantity is not > 0 || Quantity > 10_000) e.Add("quantity", "Quantity must be a whole number from 1 to 10000.");
                if (UnitPrice is not { } price || price < 0) e.Add("unitPrice", "Unit price must be zero or more.");
                else if (price > 10_000_000 || decimal.Round(price, 2) != price) e.Add("unitPrice", "Unit price must have at most 2 decimals and be below 10,000,000.");
                break;
            case EntryType.Payment:
                var method = (Method ?? "").Trim().ToLowerInvariant();
                details = details with { Amount = Amount, Method = method };
                if (Amount is not { } amount || amount <= 0) e.Add("amount", "Amount must be more than zero.");
                else if (amount > 100_000_000 || decimal.Round(amount, 2) != amount) e.Add("amount", "Amount must have at most 2 decimals and be below 100,000,000.");
                if (!FieldRules.PaymentMethods.Contains(method)) e.Add("method", $"Method must be one of: {string.Join(", ", FieldRules.PaymentMethods)}.");
                break;
        }
        return e.IsEmpty ? (type, details, e) : (type, null, e);
    }

    private void RequireDoctor(FieldErrors e)
    {
        if (string.IsNullOrWhiteSpace(DoctorId)) e.Add("doctorId", "Attending doctor is required.");
    }
}
