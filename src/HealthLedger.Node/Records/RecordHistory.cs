using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;

namespace HealthLedger.Node.Records;

/// <summary>
/// The version history of an updatable record (a patient's demographics, a doctor's directory entry), read from the chain:
/// the world state holds only the current version, and the earlier ones stay in the blocks that committed them (a
/// registration is version 1, each accepted <see cref="UpdateRecordPayload"/> one more). The blocks are read backwards from
/// the current version's block down to the registration's, so the cost grows with the blocks since the record was
/// registered, not with the whole chain before it. The versions found are kept in memory per record (sealed references and
/// proofs only, no plaintext), so a later call reads only the blocks after the last version it knows. Every ciphertext stays
/// in the node's blob store; nothing is decrypted here.
/// </summary>
public sealed class RecordHistory(LedgerNode node)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(RecordSubject, string), IReadOnlyList<RecordVersion>> _known = new();

    /// <summary>
    /// Every committed version of <paramref name="id"/> (<paramref name="subject"/>), oldest first, from the block of
    /// <paramref name="current"/> (the current version's proof) down to the registration. A version whose block is missing
    /// from the store is left out (the list then starts later than 1).
    /// </summary>
    public IReadOnlyList<RecordVersion> Versions(RecordSubject subject, string id, RecordProof current)
    {
        var known = _known.GetValueOrDefault((subject, id)) ?? [];
        if (known.Count > 0 && known[^1].Proof.TxId == current.TxId) return known;
        // Known versions older than the current one: read only the blocks after the latest of them.
        var last = known.Count > 0 && known[^1].Proof.Height <= current.Height ? known[^1] : null;
        var versions = Read(subject, id, current, last);
        var merged = last is null ? versions : [.. known, .. versions.Where(v => v.Version > last.Version)];
        _known[(subject, id)] = merged;
        return merged;
    }

    private List<RecordVersion> Read(RecordSubject subject, string id, RecordProof current, RecordVersion? after)
    {
        var found = new List<RecordVersion>();
        var floor = (long)(after?.Proof.Height ?? 0);
        for (var height = (long)current.Height; height >= floor; height--)
        {
            if (node.Store.ReadBlock((ulong)height) is not { } block) continue;
            if (!BlockHeader.TryDecode(block.Header, out var header, out _) || header is null) continue;
            for (var i = block.Transactions.Count - 1; i >= 0; i--)
            {
                if (!Transaction.TryDecode(block.Transactions[i].Body, int.MaxValue, out var tx).IsOk || tx is null) continue;
                var (version, sealedRef) = tx.Payload switch
                {
                    UpdateRecordPayload u when u.Subject == subject && u.Id == id => (u.Version, u.Record),
                    RegisterPatientPayload p when subject == RecordSubject.Patient && p.PatientId == id => (1, p.Record),
                    RegisterDoctorPayload d when subject == RecordSubject.Doctor && d.DoctorId == id => (1, d.Record),
                    _ => (0, null),
                };
                if (sealedRef is null || i >= block.Receipts.Count) continue;
                if (!Receipt.TryDecode(block.Receipts[i], out var receipt, out _) || receipt?.Verdict != TxVerdict.Ok) continue;
                var signer = node.GetState(StateKeys.Signer(tx.Signer)) is { } s ? SignerRecord.TryDecode(s)?.Id : null;
                if (after is not null && version <= after.Version) return [.. found.OrderBy(v => v.Version)];
                found.Add(new RecordVersion(version, sealedRef, new RecordProof(tx.Id, block.Height, header.Timestamp), signer ?? tx.Signer.ToString()));
                if (version == 1) return [.. found.OrderBy(v => v.Version)];
            }
        }
        return [.. found.OrderBy(v => v.Version)];
    }
}

/// <summary>One committed version of an updatable record.</summary>
/// <param name="Version">1 for the registration, then one more per accepted update.</param>
/// <param name="Record">The sealed content of this version (ciphertext hash, envelopes or category-key wrap).</param>
/// <param name="Proof">Its transaction id, block height and block time (Unix milliseconds).</param>
/// <param name="SignedBy">The user (or node) id that signed it, as the chain's signer registry names it.</param>
public sealed record RecordVersion(int Version, SealedRecordRef Record, RecordProof Proof, string SignedBy);
