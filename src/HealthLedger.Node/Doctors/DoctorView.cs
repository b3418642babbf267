using HealthLedger.Core.Records;

namespace HealthLedger.Node.Doctors;

/// <summary>A doctor's directory entry, decrypted in memory only.</summary>
public sealed record DoctorView(string Id, string OrganisationId, int Version, DoctorDetails Details, RecordProof Proof);
