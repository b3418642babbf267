using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Emergencies;

/// <summary>
/// The free-text justification of a break-glass access, sealed so that no PHI is plaintext on the chain:
/// <see cref="Ciphertext"/> = <see cref="RecordCrypto.Encrypt(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>(data key, nonce, UTF-8 text, aad = <see cref="Aad"/>), the data
/// key wrapped (<see cref="RecordCrypto.Wrap"/>, same aad) for the patient and for the custodian organisation. The state
/// machine checks that both envelopes are there and that the ciphertext holds at least <see cref="MinTextBytes"/> bytes of
/// text; whether it opens is not checkable without secrets.
/// </summary>
/// <param name="Ciphertext">nonce (12) · ciphertext · tag (16).</param>
/// <param name="Envelopes">The data key for each reader (1 to 4).</param>
public sealed record SealedJustification(byte[] Ciphertext, IReadOnlyList<Envelope> Envelopes)
{
    /// <summary>Shortest justification text in bytes.</summary>
    public const int MinTextBytes = 10;

    /// <summary>Longest justification text in bytes.</summary>
    public const int MaxTextBytes = 1000;

    /// <summary>Most envelopes.</summary>
    public const int MaxEnvelopes = 4;

    /// <summary>The bytes of text the ciphertext holds.</summary>
    public int TextBytes => Math.Max(0, Ciphertext.Length - RecordCrypto.NonceLength - RecordCrypto.TagLength);

    /// <summary>The aad binding a justification to its access: "HealthLedger/break-glass/v1" ‖ patient ‖ access id.</summary>
    public static byte[] Aad(string patientId, string accessId) =>
        System.Text.Encoding.UTF8.GetBytes($"HealthLedger/break-glass/v1\n{patientId}\n{accessId}");

    /// <summary>True when some envelope is addressed to <paramref name="key"/>.</summary>
    public bool HasEnvelopeFor(EncryptionPublicKey key) => Envelopes.Any(e => e.Recipient == key);

    /// <summary>Writes it.</summary>
    public void Write(CanonicalWriter w)
    {
        w.Bytes(Ciphertext).VarUInt((ulong)Envelopes.Count);
        foreach (var e in Envelopes) e.Write(w);
    }

    /// <summary>Reads it.</summary>
    public static bool TryRead(ref CanonicalReader r, out SealedJustification value)
    {
        value = null!;
        if (!r.Bytes(out var ciphertext, MaxTextBytes + RecordCrypto.NonceLength + RecordCrypto.TagLength, "justification")) return false;
        var bytes = ciphertext.ToArray();
        if (!r.VarInt32(out var count, MaxEnvelopes, "justification envelope count")) return false;
        var envelopes = new Envelope[count];
        for (var i = 0; i < count; i++)
        {
            if (!Envelope.TryRead(ref r, out envelopes[i])) return false;
        }
        value = new SealedJustification(bytes, envelopes);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(SealedJustification? other) =>
        other is not null && Ciphertext.AsSpan().SequenceEqual(other.Ciphertext) && Envelopes.SequenceEqual(other.Envelopes);

    /// <inheritdoc/>
    public override int GetHashCode() => Ciphertext.Length;
}
