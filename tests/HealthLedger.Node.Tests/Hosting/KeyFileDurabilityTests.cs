using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Hosting;

/// <summary>
/// The files `init` writes beside the genesis block are written whole and durably: the node and organisation key files
/// (<see cref="DataDirectory.WriteSecret"/>), node.json and other settings (<see cref="OwnerOnly.WriteAllText"/>), the
/// self-signed web certificate with its key (<see cref="WebCertificate.CreateSelfSigned"/>) and the copies a backup folder or a
/// joining node takes of node.json, the keystore and the keys (<see cref="DurableFile.CopyNew"/>). A power cut
/// cannot be caused here, so the system calls of <see cref="Key_files_and_settings_are_written_whole_and_read_back"/> are
/// watched under strace (<see cref="SyscallTrace"/>): each file is moved into place and its folder fsynced after the move, and the
/// keys folder made for the key files is entered durably in the data folder.
/// </summary>
public sealed class KeyFileDurabilityTests
{
    private const string RootVariable = "HEALTHLEDGER_TEST_KEY_ROOT";

    /// <summary>
    /// Writes a node key, an organisation key and a settings file into a data folder (given in <c>HEALTHLEDGER_TEST_KEY_ROOT</c>
    /// when run as the probe), reads them back, and checks that a key is never written over and no temporary file is left.
    /// </summary>
    [Fact]
    public async Task Key_files_and_settings_are_written_whole_and_read_back()
    {
        using var folder = new TempDirectory();
        var data = new DataDirectory(Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } given ? given : folder.Combine("node"));
        Directory.CreateDirectory(data.Root);
        var nodeSeed = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var organisationSecret = Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray();
        DataDirectory.WriteSecret(data.NodeKeyPath, nodeSeed);
        DataDirectory.WriteSecret(data.OrganisationKeyPath, organisationSecret);
        OwnerOnly.WriteAllText(Path.Combine(data.Root, NodeConfig.FileName), "{\"url\":\"http://localhost:5080\"}\n");
        OwnerOnly.WriteAllText(Path.Combine(data.Root, NodeConfig.FileName), "{\"url\":\"http://localhost:5081\"}\n");
        WebCertificate.CreateSelfSigned(data.WebCertificatePath, new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero));
        var backup = new DataDirectory(Path.Combine(data.Root, "backup"));
        DurableFile.CopyNew(data.NodeKeyPath, backup.NodeKeyPath);
        DurableFile.CopyNew(Path.Combine(data.Root, NodeConfig.FileName), Path.Combine(backup.Root, NodeConfig.FileName));

        Assert.Equal(nodeSeed, DataDirectory.ReadSecret(data.NodeKeyPath, 32));
        Assert.Equal(organisationSecret, DataDirectory.ReadSecret(data.OrganisationKeyPath, 32));
        Assert.Throws<IOException>(() => DataDirectory.WriteSecret(data.NodeKeyPath, organisationSecret));
        Assert.Equal(nodeSeed, DataDirectory.ReadSecret(data.NodeKeyPath, 32));
        Assert.Equal("{\"url\":\"http://localhost:5081\"}\n", await File.ReadAllTextAsync(Path.Combine(data.Root, NodeConfig.FileName), TestContext.Current.CancellationToken));
        Assert.Equal(nodeSeed, DataDirectory.ReadSecret(backup.NodeKeyPath, 32));
        Assert.Equal("{\"url\":\"http://localhost:5081\"}\n", await File.ReadAllTextAsync(Path.Combine(backup.Root, NodeConfig.FileName), TestContext.Current.CancellationToken));
        Assert.Throws<IOException>(() => DurableFile.CopyNew(data.OrganisationKeyPath, backup.NodeKeyPath));
        Assert.Equal(nodeSeed, DataDirectory.ReadSecret(backup.NodeKeyPath, 32));
        using (var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(data.WebCertificatePath, null))
        {
            Assert.True(certificate.HasPrivateKey);
        }
        Assert.Throws<IOException>(() => WebCertificate.CreateSelfSigned(data.WebCertificatePath, DateTimeOffset.UnixEpoch));
        Assert.Equal(["backup/node.json", "backup/node.key", NodeConfig.FileName, "node.key", "organisation.key", "tls.pfx"],
            Directory.EnumerateFiles(data.Root, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(data.Root, f).Replace("keys/", "", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            foreach (var file in new[] { data.NodeKeyPath, data.WebCertificatePath, backup.NodeKeyPath, Path.Combine(backup.Root, NodeConfig.FileName) })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }
    }

    [Fact]
    public async Task Each_file_is_moved_into_place_and_its_folder_fsynced_after_the_move()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempDirectory();
        var data = new DataDirectory(folder.Combine("node"));
        var probe = typeof(KeyFileDurabilityTests).FullName + "." + nameof(Key_files_and_settings_are_written_whole_and_read_back);
        var calls = await SyscallTrace.RunAsync(typeof(KeyFileDurabilityTests).Assembly, probe, new Dictionary<string, string> { [RootVariable] = data.Root },
            folder.Combine("trace.txt"), ct);

        var backup = new DataDirectory(Path.Combine(data.Root, "backup"));
        foreach (var path in new[] { data.NodeKeyPath, data.OrganisationKeyPath, Path.Combine(data.Root, NodeConfig.FileName), data.WebCertificatePath,
            backup.NodeKeyPath, Path.Combine(backup.Root, NodeConfig.FileName) })
        {
            var moved = SyscallTrace.IndexOf(calls, "move", path);
            Assert.True(moved >= 0, $"{Path.GetFileName(path)} was not moved into place (written where it stays, a power cut could leave it torn)");
            Assert.True(SyscallTrace.SyncedAfter(calls, moved, Path.GetDirectoryName(path)!), $"{Path.GetFileName(path)}'s folder was not fsynced after the move");
        }
        var keys = Path.GetDirectoryName(data.NodeKeyPath)!;
        var made = SyscallTrace.IndexOf(calls, "mkdir", keys);
        Assert.True(made >= 0, "the keys folder was not made by the probe");
        Assert.True(calls.Skip(made + 1).TakeWhile(c => !(c.Kind == "move" && c.Path == data.NodeKeyPath)).Any(c => c.Kind == "sync" && c.Path == data.Root),
            "the data folder was not fsynced between making keys/ and moving the first key into it");
        var backupKeys = Path.GetDirectoryName(backup.NodeKeyPath)!;
        var madeBackup = SyscallTrace.IndexOf(calls, "mkdir", backupKeys);
        Assert.True(madeBackup >= 0, "the backup's keys folder was not made by the probe");
        Assert.True(calls.Skip(madeBackup + 1).TakeWhile(c => !(c.Kind == "move" && c.Path == backup.NodeKeyPath)).Any(c => c.Kind == "sync" && c.Path == backup.Root),
            "the backup folder was not fsynced between making its keys/ and copying the key into it");
    }
}
