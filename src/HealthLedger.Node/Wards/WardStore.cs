using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Wards;

/// <summary>The organisation's ward and bed list of the read model (state <c>wards/&lt;organisation&gt;</c>), decrypted in memory only.</summary>
public sealed class WardStore : SealedRecordStore<WardList>
{
    /// <inheritdoc/>
    public override string StatePrefix => WardsState.Prefix;

    /// <inheritdoc/>
    public override IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is ConfigureWardsPayload w ? [WardsState.Key(w.OrganisationId)] : [];

    /// <inheritdoc/>
    protected override Held? Open(byte[] value, RecordOpener opener) =>
        WardsState.TryDecode(value) is { } state && opener.Open<WardList>(WardsState.Key(state.OrganisationId), state.Version, state.Record) is { } list
            ? new Held(state.OrganisationId, list, null, state.Version, state.Record)
            : null;

    /// <summary>An organisation's list and its version (0 and an empty list when none is configured).</summary>
    public (int Version, WardList List) Get(string organisationId) => Find(organisationId) is { } held ? (held.Version, held.View) : (0, WardList.Empty);
}
