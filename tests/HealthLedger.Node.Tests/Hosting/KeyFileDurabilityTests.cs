using HealthLedger.Node.Configuration;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Hosting;

/// <summary>
/// The files `init` writes beside the genesis block are written whole and durably: the node and organisation key files
/// (<see cref="DataDirectory.WriteSecret"/>) and node.json and other settings (<see cref="OwnerOnly.WriteAllText"/>). A power cut
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

        Assert.Equal(nodeSeed, DataDirectory.ReadSecret(data.NodeKeyPath, 32));
        Assert.Equal(organisationSecret, DataDirectory.ReadSecret(data.OrganisationKeyPath, 32));
        Assert.Throws<IOException>(() => DataDirectory.WriteSecret(data.NodeKeyPath, organisationSecret));
        Assert.Equal(nodeSeed, DataDirectory.ReadSecret(data.NodeKeyPath, 32));
        Assert.Equal("{\"url\":\"http://localhost:5081\"}\n", await File.ReadAllTextAsync(Path.Combine(data.Root, NodeConfig.FileName), TestContext.Current.CancellationToken));
        Assert.Equal([NodeConfig.FileName, "node.key", "organisation.key"],
            Directory.EnumerateFiles(data.Root, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(data.NodeKeyPath));
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

        foreach (var path in new[] { data.NodeKeyPath, data.OrganisationKeyPath, Path.Combine(data.Root, NodeConfig.FileName) })
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
    }
}
