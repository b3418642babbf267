using HealthLedger.Core.Crypto;
using HealthLedger.Node.Security;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Network;

public class ReplicatedLoginTests
{
    [Fact]
    public void A_wrapped_login_opens_only_with_its_organisations_key_user_and_version()
    {
        using var organisation = TestNetwork.Keys(1);
        using var other = TestNetwork.Keys(2);
        var secret = TestNetwork.Seed(3, UserKeys.SecretLength);
        var sealedKeys = PasswordSealing.Seal("a-strong-password", secret, Keystore.Context("dr-a"), new byte[PasswordSealing.SaltLength],
            new byte[PasswordSealing.NonceLength], Argon2Parameters.TestOnly);
        var login = new ReplicatedLogin(sealedKeys, MustChangePassword: true, Escrow: [7, 7, 7], Version: 3);
        var wrapped = login.Wrap("dr-a", organisation.Encryption.PublicKey);

        var opened = ReplicatedLogin.Open("dr-a", 3, wrapped, organisation.Encryption);
        Assert.NotNull(opened);
        Assert.Equal((true, 3UL), (opened.MustChangePassword, opened.Version));
        Assert.Equal(login.Escrow, opened.Escrow);
        Assert.Equal(sealedKeys.Encode(), opened.Keys.Encode());
        Assert.True(PasswordSealing.TryOpen("a-strong-password", opened.Keys, Keystore.Context("dr-a"), out var back));
        Assert.Equal(secret, back);

        Assert.Null(ReplicatedLogin.Open("dr-a", 3, wrapped, other.Encryption)); // another organisation
        Assert.Null(ReplicatedLogin.Open("dr-b", 3, wrapped, organisation.Encryption)); // moved to another user
        Assert.Null(ReplicatedLogin.Open("dr-a", 4, wrapped, organisation.Encryption)); // replayed as a newer version
        wrapped[^1] ^= 1;
        Assert.Null(ReplicatedLogin.Open("dr-a", 3, wrapped, organisation.Encryption)); // damaged
    }
}
