namespace HealthLedger.Node.Patients;

/// <summary>A patient's demographics: PHI, only ever stored encrypted.</summary>
public sealed record PatientDetails
{
    public string Mrn { get; init; } = "";
    public string FullName { get; init; } = "";
    public DateOnly DateOfBirth { get; init; }
    public string Gender { get; init; } = "";
    public string Phone { get; init; } = "";
    public string Email { get; init; } = "";
    public string Address { get; init; } = "";
    public IReadOnlyList<string> Conditions { get; init; } = [];
    public string EmergencyContact { get; init; } = "";
    public string BloodGroup { get; init; } = "";
    public string Allergies { get; init; } = "";

    /// <summary>
    /// Medication history (as reported): one item per medication the patient takes, e.g. "Amoxicillin 250 MG Oral Capsule",
    /// recorded from the patient or another system's record — not prescriptions (those are the pharmacy's orders). Records
    /// sealed before the field existed read as empty.
    /// </summary>
    public IReadOnlyList<string> Medications { get; init; } = [];

    /// <summary>Age in whole years on <paramref name="today"/>.</summary>
    public int AgeOn(DateOnly today)
    {
        var age = today.Year - DateOfBirth.Year;
        return DateOfBirth.AddYears(age) > today ? age - 1 : age;
    }
}
