using HealthLedger.Core.Records;

namespace HealthLedger.Node.Laboratory;

/// <summary>One step of a lab order: its kind, version, signer, opened content and where the ledger holds it.</summary>
public sealed record LabStepView(LabOrderStatus Step, int Version, string AuthorId, LabStepContent Content, RecordProof Proof);
