using HealthLedger.Core.Records;

namespace HealthLedger.Node.Hospital;

/// <summary>A patient as the organisation's node sees it, decrypted in memory only.</summary>
public sealed record PatientView(string Id, string OrganisationId, int Version, PatientDetails Details, RecordProof Proof);

/// <summary>A doctor's directory entry, decrypted in memory only.</summary>
public sealed record DoctorView(string Id, string OrganisationId, int Version, DoctorDetails Details, RecordProof Proof);

/// <summary>An entry, decrypted in memory only. <see cref="CorrectedBy"/> names the entry that replaced it, if any.</summary>
public sealed record EntryView(string Id, string PatientId, EntryType Type, string DoctorId, string CorrectsId, string AuthorId,
    EntryDetails Details, RecordProof Proof, string? CorrectedBy = null)
{
    /// <summary>True unless a later entry corrects this one.</summary>
    public bool IsEffective => CorrectedBy is null;
}
