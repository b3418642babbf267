using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>The formulary drugs of the read model (state <c>drug/&lt;id&gt;</c>, current versions), decrypted in memory only. Organisation data: no consent category.</summary>
public sealed class FormularyStore : SealedRecordStore<DrugView>
{
    /// <inheritdoc/>
    public override string StatePrefix => DrugState.Prefix;

    /// <inheritdoc/>
    public override IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is DefineDrugPayload d ? [DrugState.Key(d.DrugId)] : [];

    /// <inheritdoc/>
    protected override Held? Open(byte[] value, RecordOpener opener) =>
        DrugState.TryDecode(value) is { } state && opener.Open<DrugDetails>(state.Id, state.Version, state.Record) is { } details
            ? new Held(state.Id, new DrugView(state.Id, state.OrganisationId, state.Version, details, state.Proof), null, state.Version, state.Record)
            : null;

    /// <summary>A drug, or null.</summary>
    public DrugView? Drug(string id) => Find(id)?.View;

    /// <summary>An organisation's formulary, by name.</summary>
    public IReadOnlyList<DrugView> Drugs(string organisationId) =>
        Select(d => d.OrganisationId == organisationId)
            .OrderBy(d => d.Details.Name, StringComparer.OrdinalIgnoreCase).ThenBy(d => d.Details.Strength, StringComparer.OrdinalIgnoreCase).ToList();
}
