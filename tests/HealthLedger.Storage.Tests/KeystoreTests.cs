using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

public class KeystoreTests
{
    [Fact]
    public void Keys_open_with_the_right_password_only_and_are_never_stored_in_clear()
    {
        using var dir = new TempDirectory();
        using var keys = TestNetwork.Keys(9);
        var secret = keys.ExportSecret();
        using (var keystore = Keystore.Open(dir.Combine(Keystore.FileName)))
        {
            keystore.Put("alice", PasswordSealing.Seal("alice's long password", secret, Keystore.Context("alice"),
                RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(12), Argon2Parameters.TestOnly), mustChangePassword: true);
            using var opened = keystore.Unseal("alice", "alice's long password");
            Assert.Equal(keys.Signing.PublicKey, opened!.Signing.PublicKey);
            Assert.Null(keystore.Unseal("alice", "wrong password"));
            Assert.Null(keystore.Unseal("bob", "alice's long password"));
            Assert.True(keystore.Get("alice")!.Value.MustChangePassword);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var onDisk = string.Concat(Directory.GetFiles(dir.Path).Select(f => Convert.ToHexString(File.ReadAllBytes(f))));
        Assert.DoesNotContain(Convert.ToHexString(secret[..16]), onDisk);
        Assert.DoesNotContain(Convert.ToHexString(secret[32..48]), onDisk);
    }

    [Fact]
    public void A_sealed_entry_moved_to_another_user_does_not_open()
    {
        using var dir = new TempDirectory();
        using var keystore = Keystore.Open(dir.Combine(Keystore.FileName));
        var sealedKeys = PasswordSealing.Seal("same password!!", new byte[64], Keystore.Context("alice"),
            new byte[16], new byte[12], Argon2Parameters.TestOnly);
        keystore.Put("mallory", sealedKeys, mustChangePassword: false);
        Assert.Null(keystore.Unseal("mallory", "same password!!"));
    }

    [Fact]
    public void UserIds_lists_every_login_in_id_order_and_forgets_removed_ones()
    {
        using var dir = new TempDirectory();
        using var keystore = Keystore.Open(dir.Combine(Keystore.FileName));
        Assert.Empty(keystore.UserIds());
        var sealedKeys = PasswordSealing.Seal("same password!!", new byte[64], Keystore.Context("x"), new byte[16], new byte[12], Argon2Parameters.TestOnly);
        foreach (var id in new[] { "zoe", "admin", "dr-a" }) keystore.Put(id, sealedKeys, mustChangePassword: false);
        keystore.Put("admin", sealedKeys, mustChangePassword: false, version: 2); // replaced, not added
        Assert.Equal(["admin", "dr-a", "zoe"], keystore.UserIds());
        keystore.Remove("dr-a");
        Assert.Equal(["admin", "zoe"], keystore.UserIds());
    }

    [Fact]
    public void A_keystore_written_before_login_versions_opens_with_version_0_and_keeps_versions_after()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine(Keystore.FileName);
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE user_keys (user_id TEXT PRIMARY KEY, sealed BLOB NOT NULL, must_change INTEGER NOT NULL, escrow BLOB,
                    failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
                """;
            create.ExecuteNonQuery();
        }
        var sealedKeys = PasswordSealing.Seal("a long password", new byte[64], Keystore.Context("alice"), new byte[16], new byte[12], Argon2Parameters.TestOnly);
        using (var keystore = Keystore.Open(path))
        {
            keystore.Put("alice", sealedKeys, mustChangePassword: false);
            Assert.Equal(0UL, keystore.Version("alice"));
            keystore.Put("alice", sealedKeys, mustChangePassword: false, version: 5);
        }
        using (var reopened = Keystore.Open(path)) Assert.Equal(5UL, reopened.Version("alice"));
    }
}
