using HealthLedger.Core.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A formulary drug as the read model holds it (the current version).</summary>
public sealed record DrugView(string Id, string OrganisationId, int Version, DrugDetails Details, RecordProof Proof);
