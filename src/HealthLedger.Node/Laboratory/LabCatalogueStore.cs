using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Laboratory;

/// <summary>The laboratories' catalogues this node can open (its own organisation's), state <c>labcatalogue/&lt;organisation&gt;</c>.</summary>
public sealed class LabCatalogueStore : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (int Version, LabCatalogue Catalogue)> _byOrganisation = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string StatePrefix => LabCatalogueState.Prefix;

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is ConfigureLabCataloguePayload c ? [LabCatalogueState.Key(c.OrganisationId)] : [];

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (LabCatalogueState.TryDecode(value) is not { } state
                || opener.Open<LabCatalogue>(LabCatalogueState.RecordId(state.OrganisationId), state.Version, state.Record) is not { } catalogue) continue;
            lock (_lock) _byOrganisation[state.OrganisationId] = (state.Version, catalogue);
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId) => [];

    /// <summary>An organisation's catalogue and its version (0 and an empty catalogue when none).</summary>
    public (int Version, LabCatalogue Catalogue) Get(string organisationId)
    {
        lock (_lock) return _byOrganisation.TryGetValue(organisationId, out var found) ? found : (0, LabCatalogue.Empty);
    }
}
