using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HealthLedger.Core.Primitives;
using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// A document is filed durably: the node commits the transaction that references it right after storing it, so its file must
/// outlast a power cut as that commit does. POSIX makes a rename durable only through an fsync of its folder, and a folder
/// made for it only through an fsync of the parent. What the process asks of the kernel is watched with <c>strace</c> (installed
/// by test.sh) on a child process running <see cref="A_written_document_a_replica_and_a_restored_orphan_are_each_filed_under_their_hash"/>;
/// a power cut itself cannot be caused here.
/// </summary>
public sealed partial class DocumentDurabilityTests
{
    private const string RootVariable = "HEALTHLEDGER_TEST_DOCUMENT_ROOT";
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 5 + 1))];

    /// <summary>
    /// Stores a document, a replica and an orphan restored into place, each in a shard folder of its own, and checks that each is
    /// filed under its hash. Also the probe of <see cref="Every_document_moved_into_place_has_its_folder_fsynced_after_the_rename"/>,
    /// which runs it under strace with the store's folder given in <c>HEALTHLEDGER_TEST_DOCUMENT_ROOT</c>.
    /// </summary>
    [Fact]
    public async Task A_written_document_a_replica_and_a_restored_orphan_are_each_filed_under_their_hash()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempDirectory();
        var store = new DocumentStore(Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } given ? given : folder.Combine(DocumentStore.FolderName));
        var written = await store.WriteAsync(new MemoryStream("%PDF-1.4 a report"u8.ToArray()), Key, "report-1/v1"u8.ToArray(), 1 << 20, null, ct);
        Assert.Null(written.Error);
        var replica = "a replica's ciphertext"u8.ToArray();
        var replicaHash = new Hash256(SHA256.HashData(replica));
        Assert.Null(await store.StoreReplicaAsync(replicaHash, replica.Length, new MemoryStream(replica), ct));
        var orphan = "an orphan's ciphertext"u8.ToArray();
        var orphanHash = new Hash256(SHA256.HashData(orphan));
        Directory.CreateDirectory(Path.Combine(store.Root, "orphaned"));
        await File.WriteAllBytesAsync(Path.Combine(store.Root, "orphaned", orphanHash.ToString()), orphan, ct);
        Assert.True(await store.TryRestoreOrphanAsync(orphanHash, ct));

        Assert.All(new[] { written.Reference!.CiphertextHash, replicaHash, orphanHash }, hash => Assert.True(store.Exists(hash)));
        Assert.Equal(3, store.Enumerate().Count());
    }

    [Fact]
    public async Task Every_document_moved_into_place_has_its_folder_fsynced_after_the_rename()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempDirectory();
        var root = folder.Combine(DocumentStore.FolderName);
        var trace = folder.Combine("trace.txt");
        var probe = typeof(DocumentDurabilityTests).FullName + "." + nameof(A_written_document_a_replica_and_a_restored_orphan_are_each_filed_under_their_hash);
        var info = new ProcessStartInfo("strace")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                "-f", "--seccomp-bpf", "-qq", "-o", trace,
                "-e", "trace=%file,fsync,fdatasync",
                "dotnet", typeof(DocumentDurabilityTests).Assembly.Location, "-method", probe,
            },
        };
        info.Environment[RootVariable] = root;
        using var process = StartStrace(info);
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            bound.CancelAfter(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(bound.Token);
        }
        Assert.True(process.ExitCode == 0, $"the probe under strace exited {process.ExitCode}: {await output}{await errors}");

        var calls = Parse(await File.ReadAllLinesAsync(trace, ct));
        var filed = Directory.EnumerateDirectories(root).Where(d => Path.GetFileName(d) is not ("tmp" or "orphaned"))
            .SelectMany(Directory.EnumerateFiles).ToList();
        Assert.Equal(3, filed.Count);
        foreach (var path in filed)
        {
            var shard = Path.GetDirectoryName(path)!;
            var moved = calls.FindIndex(c => c.Kind == "move" && c.Path == path);
            Assert.True(moved >= 0, $"no rename or link to {path} in the trace");
            Assert.True(SyncedAfter(calls, moved, shard), $"{shard} was not fsynced after {Path.GetFileName(path)} was moved into it");
            var made = calls.FindIndex(c => c.Kind == "mkdir" && c.Path == shard);
            Assert.True(made >= 0 && made < moved, $"{shard} was not made before a document was moved into it");
            Assert.True(SyncedAfter(calls, made, root) && calls.FindIndex(made, c => c.Kind == "sync" && c.Path == root) < moved,
                $"the store's folder was not fsynced between making {Path.GetFileName(shard)}/ and moving a document into it");
        }
    }

    // True when, after calls[from], `folder` was opened and that descriptor fsynced.
    private static bool SyncedAfter(List<Call> calls, int from, string folder) =>
        calls.Skip(from + 1).Any(c => c.Kind == "sync" && c.Path == folder);

    private static Process StartStrace(ProcessStartInfo info)
    {
        try
        {
            return Process.Start(info) ?? throw new InvalidOperationException("strace did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("strace is needed for this test (test.sh installs Debian's strace package)", e);
        }
    }

    private sealed record Call(string Kind, string Path);

    // The moves, folders made and fsyncs in strace's lines, in order; an fsync is named by the path its descriptor was last
    // opened on (descriptors belong to the process, not the thread). A call another thread's interrupted ("<unfinished ...>",
    // then "<... openat resumed>") is joined again.
    private static List<Call> Parse(IEnumerable<string> lines)
    {
        const string Unfinished = "<unfinished ...>";
        var pending = new Dictionary<string, string>();
        var opened = new Dictionary<string, string>();
        var calls = new List<Call>();
        foreach (var raw in lines)
        {
            var thread = raw.Split(' ', 2)[0];
            if (raw.EndsWith(Unfinished, StringComparison.Ordinal))
            {
                pending[thread] = raw[..^Unfinished.Length].TrimEnd();
                continue;
            }
            var line = Resumed().Match(raw) is { Success: true } resumed && pending.Remove(thread, out var head) ? head + resumed.Groups["rest"].Value : raw;
            if (OpenCall().Match(line) is { Success: true } open) opened[open.Groups["fd"].Value] = open.Groups["path"].Value;
            else if (SyncCall().Match(line) is { Success: true } sync && opened.TryGetValue(sync.Groups["fd"].Value, out var synced)) calls.Add(new Call("sync", synced));
            else if (MoveCall().Match(line) is { Success: true } move) calls.Add(new Call("move", move.Groups["to"].Value));
            else if (MkdirCall().Match(line) is { Success: true } mkdir) calls.Add(new Call("mkdir", mkdir.Groups["path"].Value));
        }
        return calls;
    }

    [GeneratedRegex("""^\d+\s+<\.\.\. \w+ resumed>(?<rest>.*)$""")]
    private static partial Regex Resumed();

    [GeneratedRegex("""^\d+\s+open(?:at)?\((?:AT_FDCWD, )?"(?<path>[^"]+)",[^)]*\)\s*= (?<fd>\d+)""")]
    private static partial Regex OpenCall();

    [GeneratedRegex("""^\d+\s+f(?:data)?sync\((?<fd>\d+)\)\s*= 0""")]
    private static partial Regex SyncCall();

    [GeneratedRegex("""^\d+\s+(?:rename|renameat|renameat2|link|linkat)\((?:AT_FDCWD, )?"[^"]+", (?:AT_FDCWD, )?"(?<to>[^"]+)"[^)]*\)\s*= 0""")]
    private static partial Regex MoveCall();

    [GeneratedRegex("""^\d+\s+mkdir(?:at)?\((?:AT_FDCWD, )?"(?<path>[^"]+)"[^)]*\)\s*= 0""")]
    private static partial Regex MkdirCall();
}
