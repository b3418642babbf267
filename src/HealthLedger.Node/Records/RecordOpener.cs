using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Records;

/// <summary>
/// Opens sealed records with the organisation's key for the read model: the ciphertext comes from the block being
/// committed (<paramref name="blobs"/>) or from the store; the data key from the organisation's envelope, or from the
/// patient's category key that the organisation holds (<see cref="CategoryKeyring"/>, one key agreement per patient,
/// category and epoch). Records not sealed for the organisation open to null. With <paramref name="reader"/> (a grantee
/// doctor's keys, from their session at this node) the records open with that reader's key instead: the category keys a
/// patient of another organisation wrapped for them.
/// </summary>
public sealed class RecordOpener(LedgerNode node, OrganisationKeys organisation, CategoryKeyring keyring, IReadOnlyDictionary<Hash256, byte[]>? blobs,
    EncryptionKeyPair? reader = null)
{
    /// <summary>True when this opener opens with a grantee's keys rather than the organisation's.</summary>
    public bool ForGrantee => reader is not null;

    /// <summary>The world-state entry at <paramref name="key"/> as the node holds it now (after the last committed block), or null.</summary>
    public byte[]? State(string key) => node.GetState(key);

    /// <summary>The same opener reading every ciphertext from the store (none from a block being committed).</summary>
    public RecordOpener WithoutBlobs() => blobs is null ? this : new RecordOpener(node, organisation, keyring, null, reader);

    /// <summary>The decrypted content of version <paramref name="version"/> of <paramref name="id"/>, or null.</summary>
    public T? Open<T>(string id, int version, SealedRecordRef reference) where T : class
    {
        var key = reader ?? organisation.Keys.Encryption;
        if (reference.KeyWrap is null && !reference.HasEnvelopeFor(key.PublicKey)) return null;
        if (reference.KeyWrap is { } wrap && reader is not null && !HoldsCategoryKey(wrap, key.PublicKey)) return null; // no X25519 for records not theirs
        var ciphertext = blobs is not null && blobs.TryGetValue(reference.CiphertextHash, out var b) ? b : node.Store.ReadBlob(reference.CiphertextHash);
        return ciphertext is null ? null : keyring.Open<T>(id, version, reference, ciphertext, key);
    }

    /// <summary>Below this many records (a block's) they are opened one after the other, their ciphertexts read in one go.</summary>
    private const int ParallelFrom = 256;

    /// <summary>About this many records share one read of their ciphertexts when many are opened at once.</summary>
    private const int BatchSize = 2048;

    /// <summary>
    /// Opens many records at once (the load at start) as <see cref="Open{T}"/> would, each to its decrypted content or null,
    /// in their order. The ciphertexts are read from the store in batches (one read of about <see cref="BatchSize"/>, not one
    /// per record) and the batches are opened on every core; the records of one <c>Group</c> (a patient) stay in one batch,
    /// so a patient's category key is opened once, not raced by two threads.
    /// </summary>
    public T?[] OpenAll<T>(IReadOnlyList<(string Id, int Version, SealedRecordRef Record, string Group)> records) where T : class
    {
        var opened = new T?[records.Count];
        if (records.Count < ParallelFrom)
        {
            OpenBatch(records, Enumerable.Range(0, records.Count).ToList(), opened);
            return opened;
        }
        var batches = new List<List<int>>();
        var batch = new List<int>();
        foreach (var group in Enumerable.Range(0, records.Count).GroupBy(i => records[i].Group, StringComparer.Ordinal))
        {
            batch.AddRange(group);
            if (batch.Count < BatchSize) continue;
            batches.Add(batch);
            batch = [];
        }
        if (batch.Count > 0) batches.Add(batch);
        Parallel.ForEach(batches, b => OpenBatch(records, b, opened));
        return opened;
    }

    // Opens the records at these positions, their ciphertexts (those not in the block being committed) read in one go.
    private void OpenBatch<T>(IReadOnlyList<(string Id, int Version, SealedRecordRef Record, string Group)> records, List<int> positions, T?[] opened) where T : class
    {
        var key = reader ?? organisation.Keys.Encryption;
        var wanted = positions.Where(i => Readable(records[i].Record, key) && blobs?.ContainsKey(records[i].Record.CiphertextHash) != true).ToList();
        var read = node.Store.ReadBlobs(wanted.Select(i => records[i].Record.CiphertextHash).ToList());
        var ciphertexts = blobs is null ? [] : new Dictionary<Hash256, byte[]>(blobs);
        for (var j = 0; j < wanted.Count; j++)
        {
            if (read[j] is { } data) ciphertexts[records[wanted[j]].Record.CiphertextHash] = data;
        }
        var withCiphertexts = new RecordOpener(node, organisation, keyring, ciphertexts, reader);
        foreach (var i in positions) opened[i] = withCiphertexts.Open<T>(records[i].Id, records[i].Version, records[i].Record);
    }

    // The cheap half of Open's test (no state read): the records that may be the reader's.
    private static bool Readable(SealedRecordRef reference, EncryptionKeyPair key) => reference.KeyWrap is not null || reference.HasEnvelopeFor(key.PublicKey);

    // An envelope of the epoch addressed to the reader, or a later epoch of theirs whose key chain reaches back to it.
    private bool HoldsCategoryKey(CategoryKeyWrap wrap, EncryptionPublicKey key) =>
        node.GetState(CategoryKeyState.Key(wrap.PatientId, wrap.Category, wrap.Epoch)) is { } bytes
            ? CategoryKeyState.TryDecode(bytes) is { } state
                && (state.Readers.Any(r => r.Envelope.Recipient == key) || keyring.HoldsThroughChain(wrap.PatientId, wrap.Category, wrap.Epoch, key))
            : wrap.NewEpoch.Any(r => r.Envelope.Recipient == key);
}
