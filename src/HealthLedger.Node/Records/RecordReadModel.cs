using HealthLedger.Core.Ledger;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Records;

/// <summary>
/// The decrypted read model of the organisation's records, held in memory only: at start every registered
/// <see cref="IRecordKind"/> is loaded from the world state and the ciphertext store with the organisation's key; after
/// every committed block (before its submitters are answered) each kind reloads the state entries the block's accepted
/// transactions wrote. Nothing decrypted is written to disk.
/// </summary>
public sealed class RecordReadModel
{
    private readonly LedgerNode _node;
    private readonly OrganisationKeys _organisation;
    private readonly CategoryKeyring _keyring;
    private readonly IReadOnlyList<IRecordKind> _kinds;

    /// <summary>Loads every kind and follows the chain from now on.</summary>
    public RecordReadModel(LedgerNode node, OrganisationKeys organisation, CategoryKeyring keyring, IEnumerable<IRecordKind> kinds)
    {
        _node = node;
        _organisation = organisation;
        _keyring = keyring;
        _kinds = kinds.ToList();
        var opener = new RecordOpener(node, organisation, keyring, null);
        foreach (var kind in _kinds) kind.Load(node.ScanState(kind.StatePrefix), opener);
        node.BlockCommitted += Apply;
    }

    /// <summary>The registered kinds.</summary>
    public IReadOnlyList<IRecordKind> Kinds => _kinds;

    /// <summary>Every sealed version of a patient's records in the given categories, from every registered kind.</summary>
    public IEnumerable<SealedVersion> SealedVersions(string patientId, ConsentCategories categories) =>
        _kinds.SelectMany(k => k.SealedVersions(patientId)).Where(v => (categories & v.Category) == v.Category && v.Category != ConsentCategories.None);

    private void Apply(CandidateBlock candidate)
    {
        var built = candidate.Built;
        var opener = new RecordOpener(_node, _organisation, _keyring, candidate.Blobs);
        for (var i = 0; i < built.Block.Transactions.Count; i++)
        {
            if (built.Execution.Receipts[i].Verdict != TxVerdict.Ok) continue;
            var payload = built.Block.Transactions[i].Payload;
            foreach (var kind in _kinds)
            {
                var entries = kind.KeysWrittenBy(payload)
                    .Select(key => (Key: key, Value: _node.GetState(key)))
                    .Where(e => e.Value is not null)
                    .Select(e => KeyValuePair.Create(e.Key, e.Value!)).ToList();
                if (entries.Count > 0) kind.Load(entries, opener);
            }
        }
    }
}
