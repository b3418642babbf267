using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Emergencies;

/// <summary>
/// A patient's category key of one epoch, wrapped by the custodian organisation's node for the doctor of another member
/// organisation who broke the glass outside an emergency (<see cref="Transactions.TxKind.WrapBreakGlassKeys"/>): an
/// <see cref="Envelope"/> to the doctor's own X25519 key with the aad <see cref="Aad"/> (access, patient, category, epoch,
/// reader), so it cannot be moved to another access, patient, category, epoch or reader. Stored under <see cref="StateKey"/>.
/// </summary>
/// <param name="Category">One category of the access's (within <see cref="EmergencyCategories.Allowed"/>).</param>
/// <param name="Epoch">The category key's epoch (1, 2, …).</param>
/// <param name="Envelope">The category key for the accessing doctor's encryption key.</param>
public sealed record BreakGlassKey(ConsentCategories Category, int Epoch, Envelope Envelope)
{
    /// <summary>State key of the envelope: <c>bgkey/&lt;patient&gt;/&lt;access&gt;/&lt;category&gt;/&lt;epoch&gt;</c>.</summary>
    public static string StateKey(string patientId, string accessId, ConsentCategories category, int epoch) =>
        $"bgkey/{patientId}/{accessId}/{(byte)category}/{epoch:D6}";

    /// <summary>Prefix of the envelopes of one access.</summary>
    public static string Prefix(string patientId, string accessId) => $"bgkey/{patientId}/{accessId}/";

    /// <summary>
    /// State key of the latest-expiring break-glass access whose doctor received a patient's category key of one epoch
    /// (version 1 · expiry, Unix ms · access id): once it has expired, the epoch is stale (<see cref="ReleasedEpochs"/>).
    /// </summary>
    public static string EpochKey(string patientId, ConsentCategories category, int epoch) => $"bgepoch/{patientId}/{(byte)category}/{epoch:D6}";

    /// <summary>The associated data of the envelope: "HealthLedger/break-glass-key/v1", access, patient, category, epoch, reader (the doctor's user id).</summary>
    public static byte[] Aad(string accessId, string patientId, ConsentCategories category, int epoch, string readerId) =>
        new CanonicalWriter(128).Raw("HealthLedger/break-glass-key/v1"u8).Text(accessId).Text(patientId).U8((byte)category).VarUInt((ulong)epoch).Text(readerId).ToArray();

    /// <summary>Wraps <paramref name="categoryKey"/> for the doctor <paramref name="readerId"/> (key <paramref name="reader"/>) with a host-supplied 32-byte ephemeral secret.</summary>
    public static BreakGlassKey Wrap(ReadOnlySpan<byte> categoryKey, string accessId, string patientId, ConsentCategories category, int epoch, string readerId,
        EncryptionPublicKey reader, ReadOnlySpan<byte> ephemeralSecret) =>
        new(category, epoch, RecordCrypto.Wrap(categoryKey, reader, ephemeralSecret, Aad(accessId, patientId, category, epoch, readerId)));

    /// <summary>Opens the envelope with the doctor's key pair; false when it is not theirs, or was altered or moved.</summary>
    public bool TryOpen(string accessId, string patientId, string readerId, EncryptionKeyPair reader, out byte[] categoryKey) =>
        RecordCrypto.TryUnwrap(Envelope, reader, Aad(accessId, patientId, Category, Epoch, readerId), out categoryKey);

    /// <summary>The stored envelope under <see cref="StateKey"/>; null when absent or damaged.</summary>
    public static BreakGlassKey? Get(State.IStateReader state, string patientId, string accessId, ConsentCategories category, int epoch)
    {
        if (!state.TryGet(StateKey(patientId, accessId, category, epoch), out var bytes)) return null;
        var r = new CanonicalReader(bytes);
        return Envelope.TryRead(ref r, out var envelope) && r.End() ? new BreakGlassKey(category, epoch, envelope) : null;
    }
}
