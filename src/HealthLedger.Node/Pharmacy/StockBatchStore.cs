using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>The stock batches (receipts) of the read model (state <c>stockbatch/&lt;id&gt;</c>), decrypted in memory only. Organisation data: no consent category.</summary>
public sealed class StockBatchStore : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, BatchView> _batches = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string StatePrefix => StockBatchState.Prefix;

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is ReceiveStockPayload r ? [StockBatchState.Key(r.BatchId)] : [];

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (StockBatchState.TryDecode(value) is not { } state || opener.Open<ReceiptDetails>(state.Id, 1, state.Record) is not { } details) continue;
            var view = new BatchView(state.Id, state.OrganisationId, state.DrugId, PharmacyDates.ToDate(state.ExpiryDay), state.Received, state.ReceivedBy, details, state.Proof);
            lock (_lock) _batches[state.Id] = view;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId) => [];

    /// <summary>A batch, or null.</summary>
    public BatchView? Batch(string id)
    {
        lock (_lock) return _batches.GetValueOrDefault(id);
    }

    /// <summary>An organisation's batches, first expiry first.</summary>
    public IReadOnlyList<BatchView> Batches(string organisationId)
    {
        lock (_lock)
        {
            return _batches.Values.Where(b => b.OrganisationId == organisationId).OrderBy(b => b.ExpiresOn).ThenBy(b => b.Id, StringComparer.Ordinal).ToList();
        }
    }
}
