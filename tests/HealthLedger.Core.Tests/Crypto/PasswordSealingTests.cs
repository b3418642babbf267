using HealthLedger.Core.Crypto;

namespace HealthLedger.Core.Tests.Crypto;

public class PasswordSealingTests
{
    private static readonly byte[] Salt = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
    private static readonly byte[] Nonce = Enumerable.Range(0, 12).Select(i => (byte)(i + 100)).ToArray();
    private static readonly byte[] Secret = Enumerable.Range(0, 64).Select(i => (byte)(i * 3)).ToArray();

    private static SealedSecret Seal() =>
        PasswordSealing.Seal("correct horse battery", Secret, "ctx"u8, Salt, Nonce, Argon2Parameters.TestOnly);

    [Fact]
    public void The_right_password_opens_the_secret()
    {
        var sealedSecret = Seal();
        Assert.True(PasswordSealing.TryOpen("correct horse battery", sealedSecret, "ctx"u8, out var secret));
        Assert.Equal(Secret, secret);
        Assert.True(SealedSecret.TryDecode(sealedSecret.Encode(), out var decoded));
        Assert.True(PasswordSealing.TryOpen("correct horse battery", decoded!, "ctx"u8, out _));
        Assert.DoesNotContain(Convert.ToHexString(Secret[..8]), Convert.ToHexString(sealedSecret.Encode()));
    }

    [Fact]
    public void A_wrong_password_a_wrong_context_or_altered_ciphertext_opens_nothing()
    {
        var sealedSecret = Seal();
        Assert.False(PasswordSealing.TryOpen("correct horse batterY", sealedSecret, "ctx"u8, out _));
        Assert.False(PasswordSealing.CheckPassword("wrong", sealedSecret));
        Assert.True(PasswordSealing.CheckPassword("correct horse battery", sealedSecret));
        Assert.False(PasswordSealing.TryOpen("correct horse battery", sealedSecret, "other"u8, out _));
        var altered = sealedSecret with { Ciphertext = [.. sealedSecret.Ciphertext] };
        altered.Ciphertext[5] ^= 1;
        Assert.False(PasswordSealing.TryOpen("correct horse battery", altered, "ctx"u8, out _));
    }

    [Fact]
    public void Sealing_is_deterministic_for_a_given_salt_and_nonce()
    {
        Assert.Equal(Seal().Encode(), Seal().Encode());
    }
}
