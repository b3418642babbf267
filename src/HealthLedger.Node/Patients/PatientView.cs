using HealthLedger.Core.Records;

namespace HealthLedger.Node.Patients;

/// <summary>A patient as the organisation's node sees it, decrypted in memory only.</summary>
public sealed record PatientView(string Id, string OrganisationId, int Version, PatientDetails Details, RecordProof Proof);
