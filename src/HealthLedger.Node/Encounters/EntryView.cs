using HealthLedger.Core.Records;

namespace HealthLedger.Node.Encounters;

/// <summary>An entry, decrypted in memory only. <see cref="CorrectedBy"/> names the entry that replaced it, if any.</summary>
public sealed record EntryView(string Id, string PatientId, EntryType Type, string DoctorId, string CorrectsId, string AuthorId,
    EntryDetails Details, RecordProof Proof, string? CorrectedBy = null)
{
    /// <summary>True unless a later entry corrects this one.</summary>
    public bool IsEffective => CorrectedBy is null;
}
