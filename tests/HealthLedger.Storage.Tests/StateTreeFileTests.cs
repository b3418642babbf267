using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// The state's entries kept at a clean stop (<c>ledger.tree</c>): read back only as the tree after the same block, never when
/// a byte of it changed (a recomputed checksum included); a start that used it takes the state rows on trust, and
/// <see cref="StoreVerifier.SweepState"/> finds a changed row among the very rows the start loaded.
/// </summary>
public class StateTreeFileTests
{
    private static readonly ParallelFor OnEveryCore = (count, body) => Parallel.For(0, count, body);

    // The magic (27 bytes), height, block hash, state root, count.
    private const int Head = 103;

    [Fact]
    public void The_tree_read_back_is_the_tree_written_and_only_for_the_same_block()
    {
        using var fx = new LedgerFixture();
        var tree = fx.Net.State.Tree;
        var tip = fx.Net.Tip;
        StateTreeFile.Write(fx.Path, tip, fx.Net.State.Tree);
        Assert.Equal(StateTreeFile.FileName, Path.GetFileName(StateTreeFile.PathFor(fx.Path)));
        Assert.Equal(Head + (tree.Count * 64) + 32, new FileInfo(StateTreeFile.PathFor(fx.Path)).Length);
        var read = StateTreeFile.Read(fx.Path, tip, OnEveryCore, out var unusable);
        Assert.Null(unusable);
        Assert.Equal((tree.Root, tree.Count), (read!.Root, read.Count));
        Assert.Equal(tree.Entries(), read.Entries());

        var next = fx.Net.Append(1_800_000_000_000, [fx.Net.Register("later")]);
        Assert.Null(StateTreeFile.Read(fx.Path, next.Block.Header, null, out unusable));
        Assert.Contains("not after the last block", unusable);
        StateTreeFile.Delete(fx.Path);
        Assert.Null(StateTreeFile.Read(fx.Path, tip, null, out unusable));
        Assert.Null(unusable); // no file: nothing to report
    }

    [Fact]
    public void What_is_written_is_the_trees_own_entries_not_the_values_a_start_took_on_trust()
    {
        using var fx = new LedgerFixture();
        var tip = fx.Net.Tip;
        // The state as a start that took a changed row on trust holds it: the tip's tree, one value not the chain's.
        var rows = fx.Net.State.Entries.Select(e => e.Key == "user/user-2-3" ? new KeyValuePair<string, byte[]>(e.Key, [.. e.Value, 1]) : e).ToList();
        var changed = WorldState.Load(rows, fx.Net.State.Tree, OnEveryCore);
        StateTreeFile.Write(fx.Path, tip, changed.Tree);
        var read = StateTreeFile.Read(fx.Path, tip, null, out _)!;
        Assert.Equal(fx.Net.State.Tree.Entries(), read.Entries()); // the chain's value hash, not the changed value's
        Assert.DoesNotContain((WorldState.KeyHash("user/user-2-3"), Hashing.Sha256(rows.Single(r => r.Key == "user/user-2-3").Value)), read.Entries());
        fx.Net.Append(1_800_000_000_000, [fx.Net.Register("later")]);
        var e = Assert.Throws<ArgumentException>(() => StateTreeFile.Write(fx.Path, tip, fx.Net.State.Tree)); // the tree after another block
        Assert.Contains($"not block {tip.Height}'s state root", e.Message);
    }

    public static TheoryData<int, string> Damage() => new()
    {
        { 0, "not a file of this format" },
        { 30, "checksum" }, // the height
        { 140, "checksum" }, // in an entry
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

    // Rewrites the file's body and its checksum, as someone who knows the format would.
    private static void Rewrite(string ledgerPath, Action<byte[]> change)
    {
        var path = StateTreeFile.PathFor(ledgerPath);
        var bytes = File.ReadAllBytes(path);
        change(bytes);
        Hashing.Sha256(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes.AsSpan(bytes.Length - 32));
        File.WriteAllBytes(path, bytes);
    }

    public static TheoryData<string> Rewrites() => ["repeated entry", "value hash", "every key hash's last bit", "one key hash's last bit"];

    [Theory]
    [MemberData(nameof(Rewrites))]
    public void Entries_out_of_order_or_of_another_state_are_refused_even_with_a_matching_checksum(string rewrite)
    {
        using var fx = new LedgerFixture();
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        Rewrite(fx.Path, bytes =>
        {
            switch (rewrite)
            {
                case "repeated entry":
                    bytes.AsSpan(Head, 64).CopyTo(bytes.AsSpan(Head + 64));
                    break;
                case "value hash":
                    bytes[Head + 40] ^= 0x01;
                    break;
                case "every key hash's last bit":
                    // Found by the break-it session on the first format (leaf hashes): a lone leaf's low key-hash bits do not
                    // decide its place, so they did not reach the root, and a node ran on a tree that was not the chain's.
                    for (var at = Head; at + 64 <= bytes.Length - 32; at += 64) bytes[at + 31] ^= 0x01;
                    break;
                default:
                    bytes[Head + (5 * 64) + 31] ^= 0x01;
                    break;
            }
        });
        Assert.Null(StateTreeFile.Read(fx.Path, fx.Net.Tip, OnEveryCore, out var unusable));
        Assert.Contains(rewrite == "repeated entry" ? "not in key-hash order" : $"not block {fx.Net.Tip.Height}'s state root", unusable);
    }

    [Fact]
    public void A_truncated_file_or_a_folder_of_that_name_is_not_used_and_says_why()
    {
        using var fx = new LedgerFixture();
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        var path = StateTreeFile.PathFor(fx.Path);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..150]);
        Assert.Null(StateTreeFile.Read(fx.Path, fx.Net.Tip, null, out var unusable));
        Assert.Contains("length", unusable);
        File.WriteAllBytes(path, []);
        Assert.Null(StateTreeFile.Read(fx.Path, fx.Net.Tip, null, out unusable));
        Assert.Equal(RegularFile.NotOpened, unusable);
        File.Delete(path);
        Directory.CreateDirectory(path);
        Assert.Null(StateTreeFile.Read(fx.Path, fx.Net.Tip, null, out unusable));
        Assert.Contains("folder", unusable);
        Assert.ThrowsAny<IOException>(() => StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree));
    }

    private static VerifyReport Quick(LedgerFixture fx)
    {
        using var store = SqliteLedgerStore.Open(fx.Path, create: false);
        return Quick(fx, store);
    }

    private static VerifyReport Quick(LedgerFixture fx, ILedgerStore store) =>
        StoreVerifier.Verify(store, new DocumentStore(fx.Folder.Combine("documents")), VerifyMode.Quick,
            keptTree: tip => StateTreeFile.Read(fx.Path, tip, OnEveryCore, out _));

    [Fact]
    public void A_quick_check_with_the_kept_tree_takes_the_rows_on_trust_and_the_sweep_of_the_view_it_loaded_finds_a_changed_value()
    {
        using var fx = new LedgerFixture();
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        using (var store = SqliteLedgerStore.Open(fx.Path, create: false))
        {
            var trusted = Quick(fx, store);
            using var view = trusted.StateOnTrust;
            Assert.True(trusted.Ok, trusted.Issue?.ToString());
            Assert.True(trusted.StateTakenOnTrust);
            Assert.Equal(fx.Net.State.Root, trusted.State!.Root);
            Assert.Equal(fx.Net.State.Count, view!.Rows.Read().Count());
            var swept = StoreVerifier.SweepState(view, trusted.Tip!, OnEveryCore, CancellationToken.None);
            Assert.True(swept.Ok, swept.Issue?.ToString());
        }

        // A value changed with the tree kept: the quick check does not hash the values; the sweep checks the rows of the view
        // the check loaded, even once the row in the store is put back (or overwritten by a later block) meanwhile: what the
        // node started with.
        var original = fx.Net.State.Entries.Single(r => r.Key == "user/user-2-3").Value;
        fx.FlipByte("state", "value", "key = 'user/user-2-3'", 5);
        using (var store = SqliteLedgerStore.Open(fx.Path, create: false))
        {
            foreach (var parallel in new ParallelFor?[] { null, OnEveryCore })
            {
                var after = Quick(fx, store);
                using var view = after.StateOnTrust;
                Assert.True(after.Ok && after.StateTakenOnTrust);
                fx.Sql("UPDATE state SET value = $v WHERE key = 'user/user-2-3'", ("$v", original));
                Assert.Equal(original, store.ReadStateValue("user/user-2-3")); // the store holds the right value again
                var found = StoreVerifier.SweepState(view!, after.Tip!, parallel, CancellationToken.None);
                Assert.False(found.Ok);
                Assert.Equal(fx.Net.Tip.Height, found.Issue!.Height);
                Assert.Contains("stored value of key 'user/user-2-3'", found.Issue.ToString());
                fx.FlipByte("state", "value", "key = 'user/user-2-3'", 5);
            }
        }

        // Without the kept tree the quick check hashes them itself: no view handed on.
        StateTreeFile.Delete(fx.Path);
        var hashed = Quick(fx);
        Assert.False(hashed.Ok);
        Assert.False(hashed.StateTakenOnTrust);
        Assert.Null(hashed.StateOnTrust);
        Assert.Contains("stored world state", hashed.Issue!.ToString());
    }

    [Fact]
    public void The_state_sweep_finds_a_row_moved_from_one_key_to_another_and_a_row_missing()
    {
        using var fx = new LedgerFixture();
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        // Same number of rows (the start's count check passes), one key renamed: a row the tree does not hold.
        fx.Sql("UPDATE state SET key = 'user/user-2-3x' WHERE key = 'user/user-2-3'");
        using (var store = SqliteLedgerStore.Open(fx.Path, create: false))
        {
            var report = Quick(fx, store);
            using var view = report.StateOnTrust;
            Assert.True(report.Ok && report.StateTakenOnTrust, report.Issue?.ToString());
            var found = StoreVerifier.SweepState(view!, report.Tip!, OnEveryCore, CancellationToken.None);
            Assert.Contains("holds key 'user/user-2-3x', which is not in block", found.Issue!.ToString());
        }

        // A missing row, checked against a tree of one entry more than the view holds.
        fx.Sql("UPDATE state SET key = 'user/user-2-3' WHERE key = 'user/user-2-3x'");
        using (var store = SqliteLedgerStore.Open(fx.Path, create: false))
        {
            var report = Quick(fx, store);
            using var view = report.StateOnTrust;
            Assert.True(report.Ok, report.Issue?.ToString());
            var fewer = new HeldStateSnapshot(view!.Rows.ReadAll().Where(r => r.Key != "user/user-2-3").ToList());
            var found = StoreVerifier.SweepState(new TrustedState(fewer, view.Tree), report.Tip!, null, CancellationToken.None);
            Assert.Contains("entries are missing", found.Issue!.ToString());
            Assert.True(StoreVerifier.SweepState(view, report.Tip!, null, CancellationToken.None).Ok);
        }
    }

    [Fact]
    public void Without_a_kept_tree_the_entries_of_the_prefixes_read_on_demand_are_hashed_as_read_and_loaded_as_keys_only()
    {
        using var fx = new LedgerFixture();
        string[] onDemand = ["user/"];
        VerifyReport Checked(ILedgerStore store) => StoreVerifier.Verify(store, new DocumentStore(fx.Folder.Combine("documents")), VerifyMode.Quick,
            keptTree: tip => StateTreeFile.Read(fx.Path, tip, OnEveryCore, out _), valuesOnDemand: onDemand);
        // No tree file (a crash writes none), then one of the block before the tip: every entry hashed either way.
        foreach (var written in new[] { false, true })
        {
            using var store = SqliteLedgerStore.Open(fx.Path, create: false);
            if (written)
            {
                StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
                var next = fx.Net.Append(fx.Net.Tip.Timestamp + 1000, [fx.Net.Register("late")]);
                store.Commit(next.Block, next.Execution.Receipts, next.Execution.Changes);
            }
            var report = Checked(store);
            Assert.True(report.Ok, report.Issue?.ToString());
            Assert.False(report.StateTakenOnTrust);
            Assert.Null(report.StateOnTrust);
            var state = report.State!;
            Assert.Equal((fx.Net.State.Root, fx.Net.State.Count), (state.Root, state.Count));
            Assert.True(state.TryGet(StateKeys.Network, out _));
            Assert.Contains("were not loaded", Assert.Throws<InvalidOperationException>(() => state.TryGet("user/user-2-3", out _)).Message);
            Assert.True(state.Contains("user/user-2-3")); // the key is the tree's
        }

        // A value under such a prefix changed in the store: hashed as it was read, so found by the check itself.
        StateTreeFile.Delete(fx.Path);
        fx.FlipByte("state", "value", "key = 'user/user-2-3'", 5);
        using (var store = SqliteLedgerStore.Open(fx.Path, create: false))
        {
            var report = Checked(store);
            Assert.False(report.Ok);
            Assert.Contains("stored world state", report.Issue!.ToString());
        }
    }

    [Fact]
    public void The_head_alone_says_whether_the_file_is_the_tips_and_a_start_then_reads_the_rows_once()
    {
        using var fx = new LedgerFixture();
        var path = StateTreeFile.PathFor(fx.Path);
        Assert.False(StateTreeFile.Matches(fx.Path, fx.Net.Tip, out var why));
        Assert.Null(why); // no file
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        Assert.True(StateTreeFile.Matches(fx.Path, fx.Net.Tip, out why));
        Assert.Null(why);
        var before = fx.Net.Tip;

        // The file of an earlier block (a crash after it): refused by its head, as Read refuses it; keptTree is then not asked.
        string[] onDemand = ["user/"];
        using (var store = SqliteLedgerStore.Open(fx.Path, create: false))
        {
            var next = fx.Net.Append(fx.Net.Tip.Timestamp + 1000, [fx.Net.Register("after-the-file")]);
            store.Commit(next.Block, next.Execution.Receipts, next.Execution.Changes);
        }
        Assert.False(StateTreeFile.Matches(fx.Path, fx.Net.Tip, out why));
        Assert.Equal($"it is the state after block {before.Height}, not after the last block {fx.Net.Tip.Height}", why);
        Assert.Null(StateTreeFile.Read(fx.Path, fx.Net.Tip, null, out var readWhy));
        Assert.Equal(why, readWhy);
        using (var store = SqliteLedgerStore.Open(fx.Path, create: false))
        {
            var asked = 0;
            var report = StoreVerifier.Verify(store, new DocumentStore(fx.Folder.Combine("documents")), VerifyMode.Quick,
                keptTree: tip => { asked++; return StateTreeFile.Read(fx.Path, tip, OnEveryCore, out _); },
                valuesOnDemand: onDemand, keptTreeMatches: tip => StateTreeFile.Matches(fx.Path, tip, out _));
            Assert.True(report.Ok, report.Issue?.ToString());
            Assert.Equal(0, asked);
            Assert.False(report.StateTakenOnTrust);
            Assert.Equal((fx.Net.State.Root, fx.Net.State.Count), (report.State!.Root, report.State.Count));
            Assert.Throws<InvalidOperationException>(() => report.State.TryGet("user/user-2-3", out _));

            // The tip's file: asked, and taken.
            StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
            var kept = StoreVerifier.Verify(store, new DocumentStore(fx.Folder.Combine("documents")), VerifyMode.Quick,
                keptTree: tip => { asked++; return StateTreeFile.Read(fx.Path, tip, OnEveryCore, out _); },
                valuesOnDemand: onDemand, keptTreeMatches: tip => StateTreeFile.Matches(fx.Path, tip, out _));
            using var view = kept.StateOnTrust;
            Assert.True(kept.Ok && kept.StateTakenOnTrust, kept.Issue?.ToString());
            Assert.Equal(1, asked);
        }

        // Not of this format, a folder, a FIFO: refused by the head as by Read.
        File.WriteAllBytes(path, [.. Enumerable.Repeat((byte)7, 500)]);
        Assert.False(StateTreeFile.Matches(fx.Path, fx.Net.Tip, out why));
        Assert.Equal("it is not a file of this format", why);
        File.Delete(path);
        SpecialFiles.MakeFifo(path);
        Assert.False(StateTreeFile.Matches(fx.Path, fx.Net.Tip, out why));
        Assert.Equal(RegularFile.NotOpened, why);
        File.Delete(path);
        Directory.CreateDirectory(path);
        Assert.False(StateTreeFile.Matches(fx.Path, fx.Net.Tip, out why));
        Assert.Contains("folder", why);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1 << 16)]
    public void Rows_hashed_a_chunk_at_a_time_give_the_state_of_the_rows_whatever_the_chunk_size(int chunkRows)
    {
        using var fx = new LedgerFixture();
        var rows = fx.Net.State.Entries.ToList();
        var whole = WorldState.Load(rows);
        var keysOnly = StoreVerifier.HashedKeysOnly(rows, ["user/"], chunkRows);
        Assert.Equal((whole.Root, whole.Count), (keysOnly.Root, keysOnly.Count));
        Assert.Equal(whole.Entries.Where(e => !e.Key.StartsWith("user/", StringComparison.Ordinal)).Select(e => (e.Key, Convert.ToHexString(e.Value))),
            rows.Where(e => !e.Key.StartsWith("user/", StringComparison.Ordinal)).Select(e => (e.Key, keysOnly.TryGet(e.Key, out var v) ? Convert.ToHexString(v) : "")));
        Assert.Throws<InvalidOperationException>(() => keysOnly.TryGet("user/user-2-3", out _));
        Assert.Equal(WorldState.Load([]).Root, StoreVerifier.HashedKeysOnly([], ["user/"], chunkRows).Root);
        var held = rows.First(r => !r.Key.StartsWith("user/", StringComparison.Ordinal));
        Assert.Equal($"Key '{held.Key}' appears twice. (Parameter 'stream')", Assert.Throws<ArgumentException>(() => StoreVerifier.HashedKeysOnly([held, .. rows], ["user/"], chunkRows)).Message);
        var keyOnly = rows.First(r => r.Key == "user/user-2-3");
        Assert.Equal("Key 'user/user-2-3' appears twice. (Parameter 'stream')", Assert.Throws<ArgumentException>(() => StoreVerifier.HashedKeysOnly([.. rows, keyOnly], ["user/"], chunkRows)).Message);
    }

    [Fact]
    public void A_kept_tree_of_another_number_of_entries_is_not_used()
    {
        using var fx = new LedgerFixture();
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        fx.Sql("INSERT INTO state(key, value, height) VALUES ('smuggled', x'01', 1)");
        var report = Quick(fx);
        Assert.False(report.StateTakenOnTrust);
        Assert.Contains("stored world state", report.Issue!.ToString());
    }

    [Fact]
    public void The_state_sweep_stops_when_cancelled()
    {
        using var fx = new LedgerFixture();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using var state = new TrustedState(new HeldStateSnapshot(fx.Net.State.Entries.ToList()), fx.Net.State.Tree);
        Assert.ThrowsAny<OperationCanceledException>(() => StoreVerifier.SweepState(state, fx.Net.Tip, null, cancelled.Token));
        Assert.True(StoreVerifier.SweepState(state, fx.Net.Tip, null, CancellationToken.None).Ok);
        Assert.True(StoreVerifier.SweepState(state, fx.Net.Tip, OnEveryCore, CancellationToken.None).Ok);
        // A tree that is not the block's is refused before any row is read.
        var other = new TrustedState(new HeldStateSnapshot([]), SparseMerkleTree.Empty);
        Assert.Contains("kept state tree", StoreVerifier.SweepState(other, fx.Net.Tip, null, CancellationToken.None).Issue!.ToString());
        state.Dispose();
        Assert.Throws<ObjectDisposedException>(() => StoreVerifier.SweepState(state, fx.Net.Tip, null, CancellationToken.None));
    }
}
