using HealthLedger.Core.Records;
using HealthLedger.Node.Hospital;

namespace HealthLedger.Node.Api;

/// <summary>Where a record version is on the ledger.</summary>
public sealed record ProofResponse(string TransactionId, ulong Height, DateTimeOffset BlockTime)
{
    public static ProofResponse From(RecordProof p) => new(p.TxId.ToString(), p.Height, DateTimeOffset.FromUnixTimeMilliseconds((long)p.Timestamp));
}

public sealed record TokenRequest(string? Username, string? Password);

public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt, string UserId, string Role, bool MustChangePassword);

public sealed record PasswordChangeRequest(string? CurrentPassword, string? NewPassword);

public sealed record OnCallRequest(bool OnCall);

public sealed record WriteResponse(string Id, string TransactionId, ulong Height, string? OneTimePassword);

public sealed record PatientResponse(string Id, string Mrn, string FullName, DateOnly DateOfBirth, int Age, string Gender, string Phone, string Email,
    string Address, IReadOnlyList<string> Conditions, string EmergencyContact, string BloodGroup, string Allergies, int Version, ProofResponse Proof)
{
    public static PatientResponse From(PatientView p, DateOnly today) => new(p.Id, p.Details.Mrn, p.Details.FullName, p.Details.DateOfBirth,
        p.Details.AgeOn(today), p.Details.Gender, p.Details.Phone, p.Details.Email, p.Details.Address, p.Details.Conditions,
        p.Details.EmergencyContact, p.Details.BloodGroup, p.Details.Allergies, p.Version, ProofResponse.From(p.Proof));
}

public sealed record DoctorResponse(string Id, string Name, string Specialty, string Department, string Qualification, string LicenceNumber,
    string Phone, string Email, string ConsultationHours, bool OnCall, int Version, ProofResponse Proof)
{
    public static DoctorResponse From(DoctorView d) => new(d.Id, d.Details.Name, d.Details.Specialty, d.Details.Department, d.Details.Qualification,
        d.Details.LicenceNumber, d.Details.Phone, d.Details.Email, d.Details.ConsultationHours, d.Details.OnCall, d.Version, ProofResponse.From(d.Proof));
}

public sealed record EntryResponse(string Id, string PatientId, string Type, DateTime OccurredAt, string DoctorId, string Ward, string Bed,
    string Reason, string Notes, string Diagnosis, string Summary, string Service, int? Quantity, decimal? UnitPrice, decimal? Amount,
    string Method, string CorrectsId, string? CorrectedBy, string AuthorId, ProofResponse Proof)
{
    public static EntryResponse From(EntryView e) => new(e.Id, e.PatientId, e.Type.ToString().ToLowerInvariant(), e.Details.OccurredAt, e.DoctorId,
        e.Details.Ward, e.Details.Bed, e.Details.Reason, e.Details.Notes, e.Details.Diagnosis, e.Details.Summary, e.Details.Service,
        e.Details.Quantity, e.Details.UnitPrice, e.Details.Amount, e.Details.Method, e.CorrectsId, e.CorrectedBy, e.AuthorId, ProofResponse.From(e.Proof));
}

public sealed record AccountLineResponse(EntryResponse Entry, decimal Amount, decimal RunningBalance);

public sealed record AccountResponse(string PatientId, IReadOnlyList<AccountLineResponse> Lines, decimal Charges, decimal Payments, decimal Balance)
{
    public static AccountResponse From(AccountView a) =>
        new(a.PatientId, a.Lines.Select(l => new AccountLineResponse(EntryResponse.From(l.Entry), l.Amount, l.RunningBalance)).ToList(), a.Charges, a.Payments, a.Balance);
}

public sealed record PatientReportResponse(PatientResponse Patient, IReadOnlyList<EntryResponse> Encounters, AccountResponse Account);

public sealed record PageResponse<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize, int PageCount);
