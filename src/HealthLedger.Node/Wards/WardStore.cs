using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Wards;

/// <summary>The organisation's ward and bed list of the read model (state <c>wards/&lt;organisation&gt;</c>), decrypted in memory only.</summary>
public sealed class WardStore : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (int Version, WardList List)> _byOrganisation = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string StatePrefix => WardsState.Prefix;

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is ConfigureWardsPayload w ? [WardsState.Key(w.OrganisationId)] : [];

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (WardsState.TryDecode(value) is not { } state || opener.Open<WardList>(WardsState.Key(state.OrganisationId), state.Version, state.Record) is not { } list) continue;
            lock (_lock) _byOrganisation[state.OrganisationId] = (state.Version, list);
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId) => [];

    /// <summary>An organisation's list and its version (0 and an empty list when none is configured).</summary>
    public (int Version, WardList List) Get(string organisationId)
    {
        lock (_lock) return _byOrganisation.TryGetValue(organisationId, out var found) ? found : (0, WardList.Empty);
    }
}
