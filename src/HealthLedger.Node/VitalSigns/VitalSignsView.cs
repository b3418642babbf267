using HealthLedger.Core.Records;

namespace HealthLedger.Node.VitalSigns;

/// <summary>A set of vital signs, decrypted in memory only, with who took it and where the ledger holds it.</summary>
public sealed record VitalSignsView(string Id, string PatientId, string AuthorId, VitalSignsDetails Details, RecordProof Proof);
