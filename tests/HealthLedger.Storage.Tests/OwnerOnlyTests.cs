using System.Runtime.Versioning;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage.Tests;

/// <summary>The ledger, the keystore and the documents are created owner-only; files of an older, looser folder are tightened when opened.</summary>
[UnsupportedOSPlatform("windows")]
public class OwnerOnlyTests
{
    private const UnixFileMode Loose = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public void A_new_ledger_and_keystore_and_their_logs_are_owner_only()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        using var fx = new LedgerFixture();
        using (var store = SqliteLedgerStore.Open(fx.Path, create: false))
        using (var keystore = Keystore.Open(fx.Folder.Combine(Keystore.FileName)))
        {
            keystore.Remove("nobody");
            Assert.Equal(4, store.ReadBlocks().Count());
            foreach (var file in new[] { fx.Path, fx.Path + "-wal", fx.Path + "-shm", fx.Folder.Combine(Keystore.FileName), fx.Folder.Combine(Keystore.FileName + "-wal") })
            {
                Assert.True(File.Exists(file), file);
                Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(file));
            }
        }
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void Opening_tightens_a_ledger_file_that_others_could_read()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        using var fx = new LedgerFixture();
        File.SetUnixFileMode(fx.Path, Loose);
        using (SqliteLedgerStore.Open(fx.Path, create: false))
        {
            Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(fx.Path));
        }
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void Folders_are_made_owner_only_with_their_missing_parents_and_existing_ones_are_tightened()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        using var folder = new TempDirectory();
        OwnerOnly.CreateDirectory(folder.Combine("a", "b", "c"));
        foreach (var path in new[] { folder.Combine("a"), folder.Combine("a", "b"), folder.Combine("a", "b", "c") })
        {
            Assert.Equal(OwnerOnly.DirectoryMode, File.GetUnixFileMode(path));
        }
        File.SetUnixFileMode(folder.Combine("a"), OwnerOnly.DirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        OwnerOnly.CreateDirectory(folder.Combine("a"));
        Assert.Equal(OwnerOnly.DirectoryMode, File.GetUnixFileMode(folder.Combine("a")));
    }
}
