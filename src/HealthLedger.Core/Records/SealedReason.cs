using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Records;

/// <summary>
/// A short free text sealed for named readers (the reason of an access request: PHI, never in clear on the chain):
/// <c>Ciphertext</c> = nonce (12) · AES-256-GCM(key, nonce, UTF-8 text, aad) · tag (16) under a random 32-byte key, and one
/// <see cref="Envelope"/> of that key per reader (<see cref="RecordCrypto.Wrap"/>, same aad). The aad binds it to its
/// place: <see cref="Aad"/>.
/// </summary>
/// <param name="Ciphertext">The sealed text, at most <see cref="MaxCiphertextBytes"/> bytes.</param>
/// <param name="Envelopes">The key, wrapped once per reader (1 to <see cref="MaxEnvelopes"/>).</param>
public sealed record SealedReason(byte[] Ciphertext, IReadOnlyList<Envelope> Envelopes)
{
    /// <summary>Longest ciphertext: 2,000 UTF-8 bytes of text plus nonce and tag.</summary>
    public const int MaxCiphertextBytes = 2000 + RecordCrypto.NonceLength + RecordCrypto.TagLength;

    /// <summary>Most envelopes.</summary>
    public const int MaxEnvelopes = 4;

    /// <summary>The aad of an access request's reason: <c>accessrequest/{patientId}/{requestId}</c> in UTF-8.</summary>
    public static byte[] Aad(string patientId, string requestId) => System.Text.Encoding.UTF8.GetBytes($"accessrequest/{patientId}/{requestId}");

    /// <summary>True when one of the envelopes is addressed to <paramref name="reader"/>.</summary>
    public bool IsSealedFor(EncryptionPublicKey reader) => Envelopes.Any(e => e.Recipient == reader);

    /// <summary>Writes the sealed text.</summary>
    public void Write(CanonicalWriter w)
    {
        w.Bytes(Ciphertext).VarUInt((ulong)Envelopes.Count);
        foreach (var e in Envelopes) e.Write(w);
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static bool TryRead(ref CanonicalReader r, out SealedReason reason)
    {
        reason = null!;
        if (!r.Bytes(out var ciphertext, MaxCiphertextBytes, "reason ciphertext")) return false;
        var bytes = ciphertext.ToArray();
        if (!r.VarInt32(out var count, MaxEnvelopes, "reason envelope count")) return false;
        var envelopes = new Envelope[count];
        for (var i = 0; i < count; i++)
        {
            if (!Envelope.TryRead(ref r, out envelopes[i])) return false;
        }
        reason = new SealedReason(bytes, envelopes);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(SealedReason? other) => other is not null && Ciphertext.AsSpan().SequenceEqual(other.Ciphertext) && Envelopes.SequenceEqual(other.Envelopes);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Ciphertext.Length, Envelopes.Count);
}
