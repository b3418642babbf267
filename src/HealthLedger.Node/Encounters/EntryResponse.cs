using HealthLedger.Node.Web;

namespace HealthLedger.Node.Encounters;

/// <summary>An entry as the API shows it (the fields of its type are filled; the others are empty or null).</summary>
public sealed record EntryResponse(string Id, string PatientId, string Type, DateTimeOffset OccurredAt, string DoctorId, string Ward, string Bed,
    string Reason, string Notes, string Diagnosis, string Summary, string Service, int? Quantity, decimal? UnitPrice, decimal? Amount,
    string Method, string CorrectsId, string? CorrectedBy, string AuthorId, ProofResponse Proof, bool Deposit)
{
    public static EntryResponse From(EntryView e) => new(e.Id, e.PatientId, e.Type.ToString().ToLowerInvariant(), e.Details.OccurredAt, e.DoctorId,
        e.Details.Ward, e.Details.Bed, e.Details.Reason, e.Details.Notes, e.Details.Diagnosis, e.Details.Summary, e.Details.Service,
        e.Details.Quantity, e.Details.UnitPrice, e.Details.Amount, e.Details.Method, e.CorrectsId, e.CorrectedBy, e.AuthorId, ProofResponse.From(e.Proof), e.Details.Deposit);
}
