using HealthLedger.Core.Crypto;
using HealthLedger.Core.State;
using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// The state tree kept at a clean stop (<c>ledger.tree</c>): read back only as the tree after the same block, never when a
/// byte of it changed; a start that used it takes the state entries on trust, and <see cref="StoreVerifier.SweepState"/>
/// finds a changed entry afterwards.
/// </summary>
public class StateTreeFileTests
{
    private static readonly ParallelFor OnEveryCore = (count, body) => Parallel.For(0, count, body);

    [Fact]
    public void The_tree_read_back_is_the_tree_written_and_only_for_the_same_block()
    {
        using var fx = new LedgerFixture();
        var tree = fx.Net.State.Tree;
        StateTreeFile.Write(fx.Path, fx.Net.Tip, tree);
        Assert.Equal(StateTreeFile.FileName, Path.GetFileName(StateTreeFile.PathFor(fx.Path)));
        var read = StateTreeFile.Read(fx.Path, fx.Net.Tip, OnEveryCore, out var unusable);
        Assert.Null(unusable);
        Assert.Equal((tree.Root, tree.Count), (read!.Root, read.Count));
        Assert.Equal(tree.Leaves(), read.Leaves());

        var next = fx.Net.Append(1_800_000_000_000, [fx.Net.Register("later")]);
        Assert.Null(StateTreeFile.Read(fx.Path, next.Block.Header, null, out unusable));
        Assert.Contains("not after the last block", unusable);
        Assert.Throws<ArgumentException>(() => StateTreeFile.Write(fx.Path, next.Block.Header, tree)); // not that block's state
        StateTreeFile.Delete(fx.Path);
        Assert.Null(StateTreeFile.Read(fx.Path, fx.Net.Tip, null, out unusable));
        Assert.Null(unusable); // no file: nothing to report
    }

    public static TheoryData<int, string> Damage() => new()
    {
        { 0, "not a file of this format" },
        { 30, "checksum" }, // the height
        { 140, "checksum" }, // in a leaf
        { -1, "checksum" }, // the checksum itself
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void A_changed_byte_makes_the_file_unusable(int position, string reason)
    {
        using var fx = new LedgerFixture();
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        var path = StateTreeFile.PathFor(fx.Path);
        var bytes = File.ReadAllBytes(path);
        bytes[position < 0 ? bytes.Length + position : position] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        Assert.Null(StateTreeFile.Read(fx.Path, fx.Net.Tip, null, out var unusable));
        Assert.Contains(reason, unusable);
    }

    // Rewrites the file's leaves (after the 103-byte head) and its checksum, as someone who knows the format would.
    private static void Rewrite(string ledgerPath, Action<byte[]> change)
    {
        var path = StateTreeFile.PathFor(ledgerPath);
        var bytes = File.ReadAllBytes(path);
        change(bytes);
        Hashing.Sha256(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes.AsSpan(bytes.Length - 32));
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void Leaves_out_of_order_or_of_another_state_are_refused_even_with_a_matching_checksum()
    {
        using var fx = new LedgerFixture();
        const int head = 103; // the magic (27 bytes), height, block hash, state root, count
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        Rewrite(fx.Path, bytes => bytes.AsSpan(head, 64).CopyTo(bytes.AsSpan(head + 64))); // leaf 1 = leaf 0
        Assert.Null(StateTreeFile.Read(fx.Path, fx.Net.Tip, null, out var unusable));
        Assert.Contains("not in key-hash order", unusable);

        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        Rewrite(fx.Path, bytes => bytes[head + 40] ^= 0x01); // leaf 0's leaf hash
        Assert.Null(StateTreeFile.Read(fx.Path, fx.Net.Tip, OnEveryCore, out unusable));
        Assert.Contains($"not block {fx.Net.Tip.Height}'s state root", unusable);

        File.WriteAllBytes(StateTreeFile.PathFor(fx.Path), File.ReadAllBytes(StateTreeFile.PathFor(fx.Path))[..150]);
        Assert.Null(StateTreeFile.Read(fx.Path, fx.Net.Tip, null, out unusable));
        Assert.Contains("length", unusable);
    }

    [Fact]
    public void A_quick_check_with_the_kept_tree_takes_the_state_on_trust_and_the_state_sweep_finds_a_changed_value()
    {
        using var fx = new LedgerFixture();
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        VerifyReport Quick()
        {
            using var store = SqliteLedgerStore.Open(fx.Path, create: false);
            return StoreVerifier.Verify(store, new DocumentStore(fx.Folder.Combine("documents")), VerifyMode.Quick,
                keptTree: tip => StateTreeFile.Read(fx.Path, tip, OnEveryCore, out _));
        }
        VerifyReport Sweep()
        {
            using var store = SqliteLedgerStore.Open(fx.Path, create: false);
            return StoreVerifier.SweepState(store, CancellationToken.None);
        }
        var trusted = Quick();
        Assert.True(trusted.Ok, trusted.Issue?.ToString());
        Assert.True(trusted.StateTakenOnTrust);
        Assert.Equal(fx.Net.State.Root, trusted.State!.Root);
        var swept = Sweep();
        Assert.True(swept.Ok, swept.Issue?.ToString());
        Assert.Equal(fx.Net.Tip.Height, swept.Tip!.Height);

        // A value changed with the tree kept: the quick check does not hash the values, the sweep does.
        fx.FlipByte("state", "value", "key = 'user/user-2-3'", 5);
        var after = Quick();
        Assert.True(after.Ok && after.StateTakenOnTrust);
        var found = Sweep();
        Assert.False(found.Ok);
        Assert.Equal(fx.Net.Tip.Height, found.Issue!.Height);
        Assert.Contains("stored world state", found.Issue.ToString());

        // Without the kept tree the quick check hashes them and refuses.
        StateTreeFile.Delete(fx.Path);
        var hashed = Quick();
        Assert.False(hashed.Ok);
        Assert.False(hashed.StateTakenOnTrust);
        Assert.Contains("stored world state", hashed.Issue!.ToString());
    }

    [Fact]
    public void A_kept_tree_of_another_number_of_entries_is_not_used()
    {
        using var fx = new LedgerFixture();
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        fx.Sql("INSERT INTO state(key, value, height) VALUES ('smuggled', x'01', 1)");
        using var store = SqliteLedgerStore.Open(fx.Path, create: false);
        var report = StoreVerifier.Verify(store, new DocumentStore(fx.Folder.Combine("documents")), VerifyMode.Quick,
            keptTree: tip => StateTreeFile.Read(fx.Path, tip, null, out _));
        Assert.False(report.StateTakenOnTrust);
        Assert.Contains("stored world state", report.Issue!.ToString());
    }
}
