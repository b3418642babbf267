namespace HealthLedger.Node.Consent;

/// <summary>A doctor's request for access (referral): form / request body of <c>POST /api/v1/patients/{patientId}/access-requests</c>.</summary>
public sealed class AccessRequestInput
{
    /// <summary>all, or any of demographics, encounters, account, reports, laboratory, medication.</summary>
    public List<string>? Categories { get; set; }

    /// <summary>How many days the access lasts once the patient approves: 1 to 365.</summary>
    public int? Days { get; set; }

    /// <summary>Why the doctor asks (1 to 1,000 characters); sealed for the patient and the doctor, never in clear on the ledger.</summary>
    public string? Reason { get; set; }
}
