using System.Runtime.InteropServices;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Verification;

/// <summary>
/// Checks the off-chain record ciphertexts against the chain: every ciphertext an accepted transaction references must be
/// stored, unchanged (its SHA-256 equals the reference) and of the stated length; nothing else may be stored.
/// </summary>
public sealed class RecordBlobChecks
{
    // Every referenced ciphertext, with where it was first referenced and, in place, which Check found it stored (a set of the
    // stored ones beside the map added ~40% to a 2-million-reference check's memory; docs/benchmarks.md, "The integrity sweep's memory").
    private readonly Dictionary<Hash256, Reference> _required = [];
    private int _checks;

    private record struct Reference(ulong Height, int Index, Hash256 TxId, int Length)
    {
        public int FoundBy;
    }
    private readonly Dictionary<Hash256, (ulong Height, int Index, Hash256 TxId, long Length)> _documents = [];

    /// <summary>The documents (files in the document store) referenced so far: ciphertext hash → where and how long.</summary>
    public IReadOnlyDictionary<Hash256, (ulong Height, int Index, Hash256 TxId, long Length)> Documents => _documents;

    /// <summary>Ciphertexts referenced so far.</summary>
    public int Count => _required.Count;

    /// <summary>Notes the ciphertexts referenced by the accepted transactions of a block.</summary>
    public void Add(Block block, IReadOnlyList<Receipt> receipts)
    {
        for (var i = 0; i < block.Transactions.Count; i++)
        {
            if (receipts[i].Verdict != TxVerdict.Ok) continue;
            foreach (var record in block.Transactions[i].Payload.Records)
            {
                _required.TryAdd(record.CiphertextHash, new Reference(block.Header.Height, i, block.Transactions[i].Id, record.Length));
            }
            foreach (var document in block.Transactions[i].Payload.Documents)
            {
                _documents.TryAdd(document.CiphertextHash, (block.Header.Height, i, block.Transactions[i].Id, document.CiphertextLength));
            }
        }
    }

    /// <summary>
    /// Notes a document that a block before the ones added here referenced (the start-up check carries an earlier check's
    /// references over instead of reading those blocks again); one already noted is kept.
    /// </summary>
    public void AddEarlierDocument(Hash256 ciphertextHash, ulong height, int index, Hash256 txId, long length) =>
        _documents.TryAdd(ciphertextHash, (height, index, txId, length));

    /// <summary>
    /// Checks only the ciphertexts referenced so far: each must be stored and unchanged (its SHA-256 and length), whatever height
    /// it is filed under. <paramref name="read"/> returns the stored bytes of the hashes asked, in the same order (null where
    /// none is stored), as <c>ILedgerStore.ReadBlobs(hashes)</c>. Unlike <see cref="Check"/>, ciphertexts stored but not
    /// referenced by the blocks added, and the heights they are filed under, are not looked at: the start-up check uses it for
    /// the blocks after an earlier check's record, and the integrity sweep checks the rest.
    /// </summary>
    public VerifyIssue? CheckReferenced(Func<IReadOnlyList<Hash256>, byte[]?[]> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var hashes = _required.Keys.ToList();
        var stored = read(hashes);
        for (var i = 0; i < hashes.Count; i++)
        {
            var where = _required[hashes[i]];
            if (stored[i] is not { } data) return VerifyIssue.InTransaction(where.Height, where.Index, where.TxId.ToString(), $"record ciphertext {hashes[i]} is missing");
            if (!Matches(hashes[i], where.Length, data))
            {
                return VerifyIssue.InTransaction(where.Height, where.Index, where.TxId.ToString(),
                    $"record ciphertext {hashes[i]} was changed: its bytes no longer match the hash on the chain");
            }
        }
        return null;
    }

    /// <summary>
    /// Compares the document store (file name = hash, with the actual SHA-256 of each file from its HashOf function,
    /// or only the lengths when it is null) with the referenced documents; returns the first changed, missing or extra one.
    /// With <paramref name="allowMissing"/> (a node of a replicated network) referenced documents not stored yet are not a problem.
    /// </summary>
    public VerifyIssue? CheckDocuments(IEnumerable<(string Name, long Length, Func<Hash256>? HashOf)> stored, bool allowMissing = false)
    {
        var seen = new HashSet<Hash256>();
        foreach (var (name, length, hashOf) in stored)
        {
            if (!Hash256.TryParse(name, out var filedUnder) || !_documents.TryGetValue(filedUnder, out var where))
            {
                return new VerifyIssue(null, null, null, null, $"document {name} is stored but no transaction references it");
            }
            if (length != where.Length || (hashOf is not null && hashOf() != filedUnder))
            {
                return VerifyIssue.InTransaction(where.Height, where.Index, where.TxId.ToString(), $"document {filedUnder} was changed: its bytes no longer match the hash on the chain");
            }
            seen.Add(filedUnder);
        }
        foreach (var (hash, where) in allowMissing ? [] : _documents)
        {
            if (!seen.Contains(hash)) return VerifyIssue.InTransaction(where.Height, where.Index, where.TxId.ToString(), $"document {hash} is missing from the document store");
        }
        return null;
    }

    /// <summary>
    /// True when <paramref name="data"/> is the ciphertext a record reference names: its SHA-256 is <paramref name="hash"/>
    /// and its length <paramref name="length"/>. The one ciphertext check of the door, block validation and verification.
    /// </summary>
    public static bool Matches(Hash256 hash, long length, ReadOnlySpan<byte> data) => data.Length == length && Hashing.Sha256(data) == hash;

    /// <summary>
    /// Compares the stored ciphertexts (in any order, each with the height it is filed under: the block that first referenced
    /// it) with the referenced ones; returns the first problem.
    /// </summary>
    public VerifyIssue? Check(IEnumerable<(byte[] Hash, byte[] Data, ulong Height)> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var check = ++_checks;
        foreach (var (hashBytes, data, height) in stored)
        {
            var filedUnder = hashBytes.Length == 32 ? new Hash256(hashBytes) : Hashing.Sha256(hashBytes);
            ref var where = ref CollectionsMarshal.GetValueRefOrNullRef(_required, filedUnder);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref where))
            {
                return new VerifyIssue(null, null, null, null, $"record ciphertext {Convert.ToHexStringLower(hashBytes)} is stored but no transaction references it");
            }
            if (!Matches(filedUnder, where.Length, data))
            {
                return VerifyIssue.InTransaction(where.Height, where.Index, where.TxId.ToString(),
                    $"record ciphertext {filedUnder} was changed: its bytes no longer match the hash on the chain");
            }
            if (height != where.Height)
            {
                return VerifyIssue.InTransaction(where.Height, where.Index, where.TxId.ToString(),
                    $"record ciphertext {filedUnder} is filed under height {height}, but block {where.Height} first referenced it");
            }
            where.FoundBy = check;
        }
        foreach (var (hash, where) in _required)
        {
            if (where.FoundBy != check) return VerifyIssue.InTransaction(where.Height, where.Index, where.TxId.ToString(), $"record ciphertext {hash} is missing");
        }
        return null;
    }
}
