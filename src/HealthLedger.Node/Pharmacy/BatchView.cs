using HealthLedger.Core.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A stock batch (one receipt) as the read model holds it; the quantity on hand is read from the state.</summary>
public sealed record BatchView(string Id, string OrganisationId, string DrugId, DateOnly ExpiresOn, int Received, string ReceivedBy, ReceiptDetails Details, RecordProof Proof);
