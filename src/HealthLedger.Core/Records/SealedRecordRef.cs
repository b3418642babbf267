using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Records;

/// <summary>
/// What the chain holds of an encrypted record: the hash and length of its ciphertext (kept off the chain, in the
/// node's record store) and the data key, either wrapped for each reader (X25519 envelopes) or wrapped once under the
/// patient's category key (<see cref="KeyWrap"/>, the key hierarchy). No plaintext, no key in clear.
/// </summary>
/// <param name="CiphertextHash">SHA-256 of the ciphertext.</param>
/// <param name="Length">Ciphertext length in bytes.</param>
/// <param name="Envelopes">The data key wrapped for each party allowed to read (empty under a category key).</param>
/// <param name="KeyWrap">The data key wrapped under the patient's category key, or null.</param>
public sealed record SealedRecordRef(Hash256 CiphertextHash, int Length, IReadOnlyList<Envelope> Envelopes, CategoryKeyWrap? KeyWrap = null)
{
    /// <summary>Most envelopes on one record.</summary>
    public const int MaxEnvelopes = 64;

    /// <summary>Largest record ciphertext (1 MiB; files and reports use the document store).</summary>
    public const int MaxLength = 1 << 20;

    /// <summary>The associated data that binds a record's ciphertext and envelopes to its id and version.</summary>
    public static byte[] Aad(string recordId, int version) =>
        new CanonicalWriter(64).Raw("HealthLedger/record/v1"u8).Text(recordId).VarUInt((ulong)version).ToArray();

    /// <summary>True when one envelope is addressed to <paramref name="key"/>.</summary>
    public bool HasEnvelopeFor(EncryptionPublicKey key) => Envelopes.Any(e => e.Recipient == key);

    /// <summary>Writes the reference.</summary>
    public void Write(CanonicalWriter w)
    {
        w.Hash(CiphertextHash).VarUInt((ulong)Length).VarUInt((ulong)Envelopes.Count);
        foreach (var e in Envelopes) e.Write(w);
        // 0: envelopes only; 1: a category key wrap; 2: a wrap that opens an epoch with the previous epoch's key (the key chain).
        w.U8(KeyWrap is null ? (byte)0 : KeyWrap.PreviousKey is null ? (byte)1 : (byte)2);
        KeyWrap?.Write(w);
    }

    /// <summary>Reads a reference.</summary>
    public static bool TryRead(ref CanonicalReader r, out SealedRecordRef value)
    {
        value = null!;
        if (!r.Hash(out var hash, "ciphertext hash") || !r.VarInt32(out var length, MaxLength, "ciphertext length")) return false;
        if (!r.VarInt32(out var count, MaxEnvelopes, "envelope count")) return false;
        var envelopes = new Envelope[count];
        for (var i = 0; i < count; i++)
        {
            if (!Envelope.TryRead(ref r, out envelopes[i])) return false;
        }
        if (!r.U8(out var tag)) return false;
        if (tag > 2) return r.Fail($"key wrap tag must be 0, 1 or 2, got {tag}");
        CategoryKeyWrap? keyWrap = null;
        if (tag > 0 && !CategoryKeyWrap.TryRead(ref r, out keyWrap, withPreviousKey: tag == 2)) return false;
        value = new SealedRecordRef(hash, length, envelopes, keyWrap);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(SealedRecordRef? other) =>
        other is not null && CiphertextHash == other.CiphertextHash && Length == other.Length && Envelopes.SequenceEqual(other.Envelopes)
        && Equals(KeyWrap, other.KeyWrap);

    /// <inheritdoc/>
    public override int GetHashCode() => CiphertextHash.GetHashCode();
}
