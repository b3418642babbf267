using System.Text.RegularExpressions;

namespace HealthLedger.Node.Records;

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
