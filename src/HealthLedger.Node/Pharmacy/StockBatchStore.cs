using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>The stock batches (receipts) of the read model (state <c>stockbatch/&lt;id&gt;</c>), decrypted in memory only. Organisation data: no consent category.</summary>
public sealed class StockBatchStore : SealedRecordStore<BatchView>
{
    /// <inheritdoc/>
    public override string StatePrefix => StockBatchState.Prefix;

    /// <inheritdoc/>
    public override IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is ReceiveStockPayload r ? [StockBatchState.Key(r.BatchId)] : [];

    /// <inheritdoc/>
    protected override Held? Open(byte[] value, RecordOpener opener) =>
        StockBatchState.TryDecode(value) is { } state && opener.Open<ReceiptDetails>(state.Id, 1, state.Record) is { } details
            ? new Held(state.Id, new BatchView(state.Id, state.OrganisationId, state.DrugId, PharmacyDates.ToDate(state.ExpiryDay), state.Received, state.ReceivedBy, details, state.Proof), null, 1, state.Record)
            : null;

    /// <summary>A batch, or null.</summary>
    public BatchView? Batch(string id) => Find(id)?.View;

    /// <summary>An organisation's batches, first expiry first.</summary>
    public IReadOnlyList<BatchView> Batches(string organisationId) =>
        Select(b => b.OrganisationId == organisationId).OrderBy(b => b.ExpiresOn).ThenBy(b => b.Id, StringComparer.Ordinal).ToList();
}
