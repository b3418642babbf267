using CsCheck;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Records;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Crypto;

public class RecordCryptoTests
{
    private static readonly byte[] Aad = SealedRecordRef.Aad("pt-abc", 1);

    [Fact]
    public void Records_round_trip_and_any_altered_byte_or_wrong_binding_fails()
    {
        Gen.Select(Gen.Byte.Array[32], Gen.Byte.Array[12], Gen.Byte.Array[0, 400]).Sample((key, nonce, plaintext) =>
        {
            var ciphertext = RecordCrypto.Encrypt(key, nonce, plaintext, Aad);
            Assert.True(RecordCrypto.TryDecrypt(key, ciphertext, Aad, out var back));
            Assert.Equal(plaintext, back);
            Assert.False(RecordCrypto.TryDecrypt(key, ciphertext, SealedRecordRef.Aad("pt-abc", 2), out _));
            var altered = ciphertext.ToArray();
            altered[altered.Length / 2] ^= 1;
            Assert.False(RecordCrypto.TryDecrypt(key, altered, Aad, out _));
        }, iter: 200);
    }

    [Fact]
    public void Only_the_recipient_opens_an_envelope()
    {
        using var patient = TestNetwork.Keys(10);
        using var organisation = TestNetwork.Keys(11);
        using var stranger = TestNetwork.Keys(12);
        var dataKey = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        var envelope = RecordCrypto.Wrap(dataKey, patient.Encryption.PublicKey, Enumerable.Repeat((byte)5, 32).ToArray(), Aad);
        Assert.True(RecordCrypto.TryUnwrap(envelope, patient.Encryption, Aad, out var opened));
        Assert.Equal(dataKey, opened);
        Assert.False(RecordCrypto.TryUnwrap(envelope, stranger.Encryption, Aad, out _));
        Assert.False(RecordCrypto.TryUnwrap(envelope with { Recipient = stranger.Encryption.PublicKey }, stranger.Encryption, Aad, out _));
        Assert.False(RecordCrypto.TryUnwrap(envelope, patient.Encryption, SealedRecordRef.Aad("pt-other", 1), out _));
        var tampered = envelope with { WrappedKey = [.. envelope.WrappedKey] };
        tampered.WrappedKey[3] ^= 1;
        Assert.False(RecordCrypto.TryUnwrap(tampered, patient.Encryption, Aad, out _));
        var forOrg = RecordCrypto.Wrap(dataKey, organisation.Encryption.PublicKey, Enumerable.Repeat((byte)6, 32).ToArray(), Aad);
        Assert.NotEqual(envelope.WrappedKey, forOrg.WrappedKey);
        Assert.DoesNotContain(Convert.ToHexString(dataKey), Convert.ToHexString(envelope.WrappedKey));
    }

    [Fact]
    public void An_envelope_names_the_ephemeral_key_nsec_derives_and_a_small_order_recipient_key_is_refused()
    {
        using var patient = TestNetwork.Keys(10);
        var secret = Enumerable.Range(0, 32).Select(i => (byte)(i * 3 + 1)).ToArray();
        using var ephemeral = EncryptionKeyPair.FromSecret(secret);
        var envelope = RecordCrypto.Wrap(new byte[32], patient.Encryption.PublicKey, secret, Aad);
        Assert.Equal(ephemeral.PublicKey, envelope.Ephemeral);
        // The all-zero point (small order): X25519 gives an all-zero shared value, refused as NSec refused it.
        Assert.Throws<ArgumentException>(() => RecordCrypto.Wrap(new byte[32], new HealthLedger.Core.Primitives.EncryptionPublicKey(new byte[32]), secret, Aad));
        Assert.Throws<ArgumentException>(() => RecordCrypto.Wrap(new byte[32], patient.Encryption.PublicKey, new byte[31], Aad));
    }

    [Fact]
    public void Sealed_record_references_round_trip()
    {
        using var keys = TestNetwork.Keys(10);
        var envelope = RecordCrypto.Wrap(new byte[32], keys.Encryption.PublicKey, new byte[32], Aad);
        var reference = new SealedRecordRef(Hashing.Sha256("ct"u8), 99, [envelope, envelope]);
        var w = new HealthLedger.Core.Encoding.CanonicalWriter();
        reference.Write(w);
        var r = new HealthLedger.Core.Encoding.CanonicalReader(w.WrittenSpan);
        Assert.True(SealedRecordRef.TryRead(ref r, out var back) && r.End());
        Assert.Equal(reference, back);
        Assert.True(back.HasEnvelopeFor(keys.Encryption.PublicKey));
    }

    [Fact]
    public void Encrypting_and_decrypting_into_buffers_gives_the_same_bytes_as_the_allocating_calls_and_refuses_a_wrong_length_or_a_changed_byte()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var nonce = Enumerable.Range(100, 12).Select(i => (byte)i).ToArray();
        var plaintext = "frame of kept heads"u8.ToArray();
        var aad = "aad"u8.ToArray();
        var expected = RecordCrypto.Encrypt(key, nonce, plaintext, aad);
        var output = new byte[plaintext.Length + 28];
        RecordCrypto.Encrypt(key, nonce, plaintext, aad, output);
        Assert.Equal(expected, output);
        Assert.Throws<ArgumentException>(() => RecordCrypto.Encrypt(key, nonce, plaintext, aad, new byte[plaintext.Length + 27]));

        var opened = new byte[plaintext.Length];
        Assert.True(RecordCrypto.TryDecrypt(key, output, aad, opened));
        Assert.Equal(plaintext, opened);
        Assert.Throws<ArgumentException>(() => RecordCrypto.TryDecrypt(key, output, aad, new byte[plaintext.Length + 1]));
        output[20] ^= 1;
        Assert.False(RecordCrypto.TryDecrypt(key, output, aad, opened));
        Assert.All(opened, b => Assert.Equal(0, b)); // no plaintext left in the buffer
        Assert.False(RecordCrypto.TryDecrypt(key, output.AsSpan(0, 27), aad, Span<byte>.Empty)); // shorter than nonce and tag
    }
}
