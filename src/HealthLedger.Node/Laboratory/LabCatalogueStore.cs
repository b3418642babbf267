using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Laboratory;

/// <summary>The laboratories' catalogues this node can open (its own organisation's), state <c>labcatalogue/&lt;organisation&gt;</c>.</summary>
public sealed class LabCatalogueStore : SealedRecordStore<LabCatalogue>
{
    /// <inheritdoc/>
    public override string StatePrefix => LabCatalogueState.Prefix;

    /// <inheritdoc/>
    public override IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is ConfigureLabCataloguePayload c ? [LabCatalogueState.Key(c.OrganisationId)] : [];

    /// <inheritdoc/>
    protected override Held? Open(byte[] value, RecordOpener opener) =>
        LabCatalogueState.TryDecode(value) is { } state
        && opener.Open<LabCatalogue>(LabCatalogueState.RecordId(state.OrganisationId), state.Version, state.Record) is { } catalogue
            ? new Held(state.OrganisationId, catalogue, null, state.Version, state.Record)
            : null;

    /// <summary>An organisation's catalogue and its version (0 and an empty catalogue when none).</summary>
    public (int Version, LabCatalogue Catalogue) Get(string organisationId) => Find(organisationId) is { } held ? (held.Version, held.View) : (0, LabCatalogue.Empty);
}
