using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>The formulary drugs of the read model (state <c>drug/&lt;id&gt;</c>, current versions), decrypted in memory only. Organisation data: no consent category.</summary>
public sealed class FormularyStore : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DrugView> _drugs = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string StatePrefix => DrugState.Prefix;

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is DefineDrugPayload d ? [DrugState.Key(d.DrugId)] : [];

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (DrugState.TryDecode(value) is not { } state || opener.Open<DrugDetails>(state.Id, state.Version, state.Record) is not { } details) continue;
            lock (_lock) _drugs[state.Id] = new DrugView(state.Id, state.OrganisationId, state.Version, details, state.Proof);
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId) => [];

    /// <summary>A drug, or null.</summary>
    public DrugView? Drug(string id)
    {
        lock (_lock) return _drugs.GetValueOrDefault(id);
    }

    /// <summary>An organisation's formulary, by name.</summary>
    public IReadOnlyList<DrugView> Drugs(string organisationId)
    {
        lock (_lock)
        {
            return _drugs.Values.Where(d => d.OrganisationId == organisationId)
                .OrderBy(d => d.Details.Name, StringComparer.OrdinalIgnoreCase).ThenBy(d => d.Details.Strength, StringComparer.OrdinalIgnoreCase).ToList();
        }
    }
}
