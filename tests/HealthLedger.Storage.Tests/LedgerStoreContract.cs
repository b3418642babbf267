using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// What every <see cref="ILedgerStore"/> must do, whatever it stores into (dotNext <c>TransportTestSuite</c> style): one
/// subclass per implementation supplies the factory and fault injection and runs all of these tests.
/// </summary>
public abstract class LedgerStoreContract : IDisposable
{
    /// <summary>The deterministic chain the tests commit (4 blocks of 1 + 3 × 5 = 16 transactions with <see cref="LedgerFixture.Fill"/>).</summary>
    protected TestNetwork Net { get; } = new();

    /// <summary>A fresh, empty store of this test's own (its own folder or database); the subclass removes it when disposed.</summary>
    protected abstract ILedgerStore CreateStore();

    /// <summary>Opens again the store the last <see cref="CreateStore"/> made, after the test disposed it.</summary>
    protected abstract ILedgerStore ReopenStore();

    /// <summary>
    /// Makes the backing storage itself (not the store's code) fail with a message containing "injected failure" when a commit
    /// reaches <paramref name="point"/>, until the result is disposed. <paramref name="store"/> is open meanwhile.
    /// </summary>
    protected abstract IDisposable InjectFailure(ILedgerStore store, CommitFailurePoint point);

    /// <summary>The exception type a failure of the backing storage surfaces as.</summary>
    protected abstract Type StorageFailure { get; }

    [Fact]
    public void An_empty_store_has_no_tip_and_reads_of_missing_things_return_null_or_empty()
    {
        using var store = CreateStore();
        var somewhere = Hashing.Sha256(Encoding.UTF8.GetBytes("not stored"));
        Assert.Null(store.TipHeight);
        Assert.Null(store.ReadBlock(0));
        Assert.Empty(store.ReadBlocks());
        Assert.Empty(store.ReadState());
        Assert.Empty(store.ReadState("user/"));
        Assert.Null(store.ReadStateValue("network"));
        Assert.Null(store.ReadBlob(somewhere));
        Assert.Empty(store.ReadBlobs());
        Assert.Empty(store.ReadBlobsAt(0, [somewhere]));
        Assert.Null(store.FindTransaction(somewhere));
        Assert.Null(store.ReadCertificate(0));
        Assert.Null(store.ReadConsensusState());
        Assert.Equal(0, store.CountTransactions());

        LedgerFixture.Fill(store, Net);
        Assert.Null(store.ReadBlock(4));
        Assert.Empty(store.ReadBlocks(4, 10));
        Assert.Null(store.ReadStateValue("user/nobody"));
        Assert.Empty(store.ReadState("user/nobody"));
        Assert.Null(store.FindTransaction(somewhere));
        Assert.Null(store.ReadCertificate(2));
        Assert.Null(store.ReadCertificate(4));
        Assert.Empty(store.ReadBlobsAt(2, [somewhere]));
        Assert.Empty(store.ReadBlobsAt(2, []));
    }

    [Fact]
    public void Committed_blocks_read_back_byte_for_byte_after_reopening()
    {
        using (var first = CreateStore()) LedgerFixture.Fill(first, Net);
        using var store = ReopenStore();
        Assert.Equal(3UL, store.TipHeight);
        var stored = store.ReadBlocks().ToList();
        Assert.Equal(4, stored.Count);
        for (var i = 0; i < stored.Count; i++)
        {
            var built = Net.Blocks[i];
            Assert.Equal((ulong)i, stored[i].Height);
            Assert.Equal(built.Block.Header.Hash.ToArray(), stored[i].Hash);
            Assert.Equal(built.Block.Header.Encode(), stored[i].Header);
            Assert.Equal(built.Block.Transactions.Select(t => t.Id.ToArray()), stored[i].Transactions.Select(t => t.Id));
            Assert.Equal(Enumerable.Range(0, built.Block.Transactions.Count), stored[i].Transactions.Select(t => t.Index));
            Assert.Equal(built.Block.Transactions.Select(t => t.Encoded.ToArray()), stored[i].Transactions.Select(t => t.Body));
            Assert.Equal(built.Execution.Receipts.Select(r => r.Encode()), stored[i].Receipts);
        }
        Assert.Equal(Net.State.Root, WorldState.Load(store.ReadState()).Root);
        var tx = Net.Blocks[2].Block.Transactions[3];
        var found = store.FindTransaction(tx.Id);
        Assert.Equal((2UL, 3), (found!.Height, found.Index));
        Assert.Equal(16, store.CountTransactions());
    }

    [Fact]
    public void The_tip_survives_reopening_and_the_next_commit_continues_from_it()
    {
        using (var first = CreateStore())
        {
            LedgerFixture.Fill(first, Net, blocks: 2);
            Assert.Equal(1UL, first.TipHeight);
        }
        using (var store = ReopenStore())
        {
            Assert.Equal(1UL, store.TipHeight);
            var next = Net.Append(1_700_000_009_000, [Net.Register("late")]);
            store.Commit(next.Block, next.Execution.Receipts, next.Execution.Changes);
            Assert.Equal(2UL, store.TipHeight);
        }
        using var again = ReopenStore();
        Assert.Equal(2UL, again.TipHeight);
        Assert.Equal(Net.Blocks[2].Block.Header.Encode(), again.ReadBlock(2)!.Header);
        Assert.Equal(7, again.CountTransactions());
    }

    [Fact]
    public void A_block_out_of_order_is_refused_and_nothing_is_written()
    {
        using var store = CreateStore();
        var early = Net.Append(1_700_000_000_500, [Net.Register("early")]);
        Assert.Throws<InvalidOperationException>(() => store.Commit(early.Block, early.Execution.Receipts, early.Execution.Changes));
        Assert.Null(store.TipHeight);
        Assert.Equal(0, store.CountTransactions());
        Assert.Empty(store.ReadState());

        using var other = new TestNetwork();
        LedgerFixture.Fill(store, other);
        var again = other.Blocks[2];
        Assert.Throws<InvalidOperationException>(() => store.Commit(again.Block, again.Execution.Receipts, again.Execution.Changes));
        Assert.Equal(16, store.CountTransactions());
        Assert.Equal(3UL, store.TipHeight);
    }

    [Fact]
    public void A_block_with_the_wrong_number_of_receipts_is_refused_and_nothing_is_written()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net, blocks: 2);
        var next = Net.Append(1_700_000_009_000, [Net.Register("one"), Net.Register("two")]);
        Assert.Throws<ArgumentException>(() => store.Commit(next.Block, next.Execution.Receipts.Take(1).ToList(), next.Execution.Changes,
            new Dictionary<Hash256, byte[]> { [Hashing.Sha256([1, 2, 3])] = [1, 2, 3] }, [9, 9]));
        Assert.Equal(1UL, store.TipHeight);
        Assert.Null(store.ReadBlock(2));
        Assert.Equal(6, store.CountTransactions());
        Assert.Null(store.ReadStateValue("user/one"));
        Assert.Empty(store.ReadBlobs());
        Assert.Null(store.ReadCertificate(2));
    }

    [Theory]
    [InlineData(CommitFailurePoint.StateWrite)]
    [InlineData(CommitFailurePoint.Certificate)]
    [InlineData(CommitFailurePoint.ConsensusState)]
    public void A_commit_that_fails_half_way_leaves_no_trace_of_the_block_nor_of_the_voting_state_it_carries(CommitFailurePoint point)
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net);
        byte[] votedBefore = [4, 4];
        byte[] votedForIt = [4, 5, 6];
        store.SaveConsensusState(votedBefore);
        var preview = BlockBuilder.Build(WorldState.Load(Net.State.Entries), TestNetwork.NetworkId, Net.Tip, 1_800_000_000_000,
            [Net.Register("alpha"), Net.Register("boom")], Net.Node);
        byte[] blob = [7, 7, 7, 7];
        var blobs = new Dictionary<Hash256, byte[]> { [Hashing.Sha256(blob)] = blob };
        byte[] certificate = [1, 2, 3];
        using (InjectFailure(store, point))
        {
            var e = Assert.Throws(StorageFailure, () => store.Commit(preview.Block, preview.Execution.Receipts, preview.Execution.Changes, blobs, certificate, votedForIt));
            Assert.Contains("injected failure", e.Message);
            Assert.Equal(3UL, store.TipHeight);
            Assert.Null(store.ReadBlock(4));
            Assert.Empty(store.ReadBlocks(4));
            Assert.Equal(16, store.CountTransactions());
            Assert.Null(store.FindTransaction(preview.Block.Transactions[0].Id));
            Assert.DoesNotContain(store.ReadState(), kv => kv.Key == "user/alpha");
            Assert.Equal(Net.State.Root, WorldState.Load(store.ReadState()).Root);
            Assert.Empty(store.ReadBlobs());
            Assert.Null(store.ReadCertificate(4));
            Assert.Equal(votedBefore, store.ReadConsensusState());
            Assert.True(StoreVerifier.Verify(store, NoDocuments()).Ok);
        }

        store.Commit(preview.Block, preview.Execution.Receipts, preview.Execution.Changes, blobs, certificate, votedForIt);
        Assert.Equal(4UL, store.TipHeight);
        Assert.Equal(blob, store.ReadBlob(Hashing.Sha256(blob)));
        Assert.Equal(certificate, store.ReadCertificate(4));
        Assert.NotNull(store.ReadStateValue("user/alpha"));
        Assert.Equal(votedForIt, store.ReadConsensusState());
    }

    [Fact]
    public void A_commit_carrying_the_voting_state_stores_both_and_one_without_keeps_the_saved_state()
    {
        using (var first = CreateStore())
        {
            LedgerFixture.Fill(first, Net, blocks: 2);
            first.SaveConsensusState([1]);
            var third = Net.Append(1_700_000_009_000, [Net.Register("one")]);
            first.Commit(third.Block, third.Execution.Receipts, third.Execution.Changes, null, [8], [2, 2]);
            Assert.Equal(new byte[] { 2, 2 }, first.ReadConsensusState());
            var fourth = Net.Append(1_700_000_009_001, [Net.Register("two")]);
            first.Commit(fourth.Block, fourth.Execution.Receipts, fourth.Execution.Changes, null, [9]);
            Assert.Equal(new byte[] { 2, 2 }, first.ReadConsensusState());
            // A refused commit (not the next height) writes no voting state either.
            Assert.Throws<InvalidOperationException>(() => first.Commit(third.Block, third.Execution.Receipts, third.Execution.Changes, null, [8], [3, 3]));
            Assert.Equal(new byte[] { 2, 2 }, first.ReadConsensusState());
        }
        using var store = ReopenStore();
        Assert.Equal(3UL, store.TipHeight);
        Assert.Equal(new byte[] { 2, 2 }, store.ReadConsensusState());
        Assert.Equal(new byte[] { 8 }, store.ReadCertificate(2));
    }

    [Fact]
    public void Blobs_and_the_certificate_commit_with_their_block_and_read_back_after_reopening()
    {
        byte[] small = [1, 2, 3], large = [.. Enumerable.Range(0, 70_000).Select(i => (byte)i)];
        var blobs = new Dictionary<Hash256, byte[]> { [Hashing.Sha256(small)] = small, [Hashing.Sha256(large)] = large };
        byte[] certificate = [.. Enumerable.Range(0, 300).Select(i => (byte)(255 - i))];
        using (var first = CreateStore())
        {
            LedgerFixture.Fill(first, Net, blocks: 2);
            var next = Net.Append(1_700_000_009_000, [Net.Register("with-blobs")]);
            first.Commit(next.Block, next.Execution.Receipts, next.Execution.Changes, blobs, certificate);
        }
        using var store = ReopenStore();
        Assert.Equal(small, store.ReadBlob(Hashing.Sha256(small)));
        Assert.Equal(large, store.ReadBlob(Hashing.Sha256(large)));
        var ordered = blobs.OrderBy(b => b.Key).ToList();
        // The block's references, in any order, one twice, one never stored: each stored one once, in hash order.
        List<Hash256> referenced = [Hashing.Sha256(large), Hashing.Sha256([7, 7]), Hashing.Sha256(small), Hashing.Sha256(large)];
        Assert.Equal(ordered.Select(b => b.Key), store.ReadBlobsAt(2, referenced).Select(b => b.Hash));
        Assert.Equal(ordered.Select(b => b.Value), store.ReadBlobsAt(2, referenced).Select(b => b.Data));
        Assert.Equal(ordered.Select(b => b.Key.ToArray()), store.ReadBlobs().Select(b => b.Hash));
        Assert.Equal(ordered.Select(b => b.Value), store.ReadBlobs().Select(b => b.Data));
        Assert.Empty(store.ReadBlobsAt(1, referenced));
        Assert.Empty(store.ReadBlobsAt(3, referenced));
        Assert.Equal(certificate, store.ReadCertificate(2));
        Assert.Null(store.ReadCertificate(1));
        Assert.Null(store.ReadCertificate(0));
    }

    [Fact]
    public void Many_blobs_read_in_one_go_answer_in_the_order_asked_with_null_for_unknown_hashes()
    {
        var stored = Enumerable.Range(0, 1_500).Select(i => BitConverter.GetBytes(i * 7919)).ToList();
        var blobs = stored.ToDictionary(b => Hashing.Sha256(b), b => b);
        using (var first = CreateStore())
        {
            LedgerFixture.Fill(first, Net, blocks: 2);
            var next = Net.Append(1_700_000_009_000, [Net.Register("with-many-blobs")]);
            first.Commit(next.Block, next.Execution.Receipts, next.Execution.Changes, blobs);
        }
        using var store = ReopenStore();
        var unknown = Hashing.Sha256([9, 9, 9]);
        // Not in hash order, one asked twice, one unknown, more than one batch.
        List<Hash256> asked = [.. stored.AsEnumerable().Reverse().Select(b => Hashing.Sha256(b)), unknown, Hashing.Sha256(stored[3])];
        var read = store.ReadBlobs(asked);
        Assert.Equal(asked.Count, read.Length);
        Assert.Equal([.. stored.AsEnumerable().Reverse(), null, stored[3]], read);
        read[0]![0] ^= 1; // the caller's own copies
        Assert.Equal(stored[^1], store.ReadBlobs([Hashing.Sha256(stored[^1])])[0]);
        Assert.Empty(store.ReadBlobs([]));
    }

    [Fact]
    public void A_blob_committed_again_keeps_its_first_bytes_and_height()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net, blocks: 1);
        byte[] blob = [4, 5, 6];
        var hash = Hashing.Sha256(blob);
        var first = Net.Append(1_700_000_009_000, [Net.Register("first")]);
        store.Commit(first.Block, first.Execution.Receipts, first.Execution.Changes, new Dictionary<Hash256, byte[]> { [hash] = blob });
        var second = Net.Append(1_700_000_009_001, [Net.Register("second")]);
        store.Commit(second.Block, second.Execution.Receipts, second.Execution.Changes, new Dictionary<Hash256, byte[]> { [hash] = [0, 0, 0] });
        Assert.Equal(2UL, store.TipHeight);
        Assert.Equal(blob, store.ReadBlob(hash));
        Assert.Single(store.ReadBlobs());
        Assert.Equal(hash, Assert.Single(store.ReadBlobsAt(1, [hash])).Hash);
        Assert.Empty(store.ReadBlobsAt(2, [hash])); // referenced again by block 2, first stored with block 1
    }

    [Fact]
    public void Every_transaction_is_found_by_id_with_its_receipt()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net);
        var refused = Net.Append(1_700_000_009_000, [Net.Register("user-1-0"), Net.Register("fresh")]);
        store.Commit(refused.Block, refused.Execution.Receipts, refused.Execution.Changes);
        Assert.NotEqual(TxVerdict.Ok, refused.Execution.Receipts[0].Verdict);
        foreach (var built in Net.Blocks)
        {
            for (var i = 0; i < built.Block.Transactions.Count; i++)
            {
                var found = store.FindTransaction(built.Block.Transactions[i].Id);
                Assert.NotNull(found);
                Assert.Equal((built.Block.Header.Height, i), (found.Height, found.Index));
                Assert.Equal(built.Execution.Receipts[i], found.Receipt);
            }
        }
    }

    [Fact]
    public void State_writes_set_replace_and_delete_values()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net, blocks: 1);
        var one = Net.Append(1_700_000_009_000, [Net.Register("one")]);
        store.Commit(one.Block, one.Execution.Receipts, new StateChangeSet([new("test/a", [1]), new("test/b", [2]), new("test/c", [3])]));
        var two = Net.Append(1_700_000_009_001, [Net.Register("two")]);
        store.Commit(two.Block, two.Execution.Receipts, new StateChangeSet([new("test/a", [10]), new("test/b", null), new("test/missing", null)]));
        Assert.Equal(new byte[] { 10 }, store.ReadStateValue("test/a"));
        Assert.Null(store.ReadStateValue("test/b"));
        Assert.Equal(new byte[] { 3 }, store.ReadStateValue("test/c"));
        Assert.Null(store.ReadStateValue("test/missing"));
        Assert.Equal(new[] { "test/a", "test/c" }, store.ReadState("test/").Select(kv => kv.Key));
    }

    [Fact]
    public void The_first_state_entry_filed_after_a_height_is_the_lowest_key_written_above_it_with_its_height()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net, blocks: 1); // height 0: the genesis state
        var one = Net.Append(1_700_000_009_000, [Net.Register("one")]);
        store.Commit(one.Block, one.Execution.Receipts, new StateChangeSet([new("test/a", [1]), new("test/c", [3])]));
        var two = Net.Append(1_700_000_009_001, [Net.Register("two")]);
        store.Commit(two.Block, two.Execution.Receipts, new StateChangeSet([new("test/b", [2]), new("test/c", [30])]));
        Assert.Equal(("test/a", 1UL), store.FirstStateFiledAfter(0));
        Assert.Equal(("test/b", 2UL), store.FirstStateFiledAfter(1)); // test/c was rewritten at 2: filed under 2, after test/b
        Assert.Null(store.FirstStateFiledAfter(2));
        Assert.Null(store.FirstStateFiledAfter(ulong.MaxValue));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3_001)]
    public void The_whole_state_read_at_once_is_the_streamed_state_row_for_row(int extra)
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net, blocks: 1);
        // Keys past ASCII too, a surrogate pair (a code point above U+FFFF) beside U+E000–U+FFFF, where UTF-16 order and the
        // store's (UTF-8 bytes) disagree.
        string[] odd = ["p/\ud83d\ude00", "p/\uffee", "p/\ue000", "p/\u00e9", "p/z"];
        var keys = odd.Concat(Enumerable.Range(0, extra).Select(i => $"q/{i * 7919 % 10_007:D5}"));
        var next = Net.Append(1_700_000_009_000, [Net.Register("one")]);
        store.Commit(next.Block, next.Execution.Receipts,
            new StateChangeSet(next.Execution.Changes.Entries.Concat(keys.Select(k => new KeyValuePair<string, byte[]?>(k, Encoding.UTF8.GetBytes(k))))));
        var streamed = store.ReadState().ToList();
        var all = store.ReadAllState();
        Assert.Equal(streamed.Select(kv => kv.Key), all.Select(kv => kv.Key));
        Assert.Equal(streamed.Select(kv => Convert.ToHexString(kv.Value)), all.Select(kv => Convert.ToHexString(kv.Value)));
        Assert.Equal(extra, all.Count(kv => kv.Key.StartsWith("q/", StringComparison.Ordinal)));
        Assert.Contains(all, kv => kv.Key.StartsWith("user/", StringComparison.Ordinal)); // the genesis rows, below the added ones
        Assert.Equal(["p/z", "p/\u00e9", "p/\ue000", "p/\uffee", "p/\ud83d\ude00"], all.Select(kv => kv.Key).Where(k => k.StartsWith("p/", StringComparison.Ordinal)));
    }

    // Stores exactly these state rows under the genesis block (no others), for ReadAllState's edge cases.
    private static void CommitGenesisWith(ILedgerStore store, TestNetwork net, IEnumerable<string> keys) =>
        store.Commit(net.Blocks[0].Block, net.Blocks[0].Execution.Receipts,
            new StateChangeSet(keys.Select(k => new KeyValuePair<string, byte[]?>(k, Encoding.UTF8.GetBytes(k + "=")))));

    private static void AssertReadAllIsStreamed(ILedgerStore store)
    {
        var streamed = store.ReadState().ToList();
        var all = store.ReadAllState();
        Assert.Equal(streamed.Select(kv => kv.Key), all.Select(kv => kv.Key));
        Assert.Equal(streamed.Select(kv => Convert.ToHexString(kv.Value)), all.Select(kv => Convert.ToHexString(kv.Value)));
        // A view's rows read at once (both ends meeting wherever they meet), then streamed again from the same transactions.
        using var view = store.OpenStateSnapshot();
        var viewed = view.ReadAll();
        Assert.Equal(streamed.Select(kv => kv.Key), viewed.Select(kv => kv.Key));
        Assert.Equal(streamed.Select(kv => Convert.ToHexString(kv.Value)), view.Read().Select(kv => Convert.ToHexString(kv.Value)));
        Assert.Equal(streamed.Select(kv => kv.Key), view.Read().Select(kv => kv.Key));
        // The same rows with the values of the keys asked for left unread (empty), the others read.
        static bool Odd(string key) => key[^1] % 2 == 1;
        var keysOnly = view.ReadAll(Odd);
        Assert.Equal(streamed.Select(kv => kv.Key), keysOnly.Select(kv => kv.Key));
        Assert.Equal(streamed.Select(kv => Odd(kv.Key) ? "" : Convert.ToHexString(kv.Value)), keysOnly.Select(kv => Convert.ToHexString(kv.Value)));
    }

    [Fact]
    public void A_state_view_keeps_the_rows_it_was_opened_on_while_blocks_are_committed_until_it_is_disposed()
    {
        using var store = CreateStore();
        var keys = Enumerable.Range(0, 3_000).Select(i => $"k/{i:D5}").ToList();
        store.Commit(Net.Blocks[0].Block, Net.Blocks[0].Execution.Receipts,
            new StateChangeSet(keys.Select(k => new KeyValuePair<string, byte[]?>(k, [0]))));
        using var streamedFirst = store.OpenStateSnapshot();
        using var readFirst = store.OpenStateSnapshot();
        Assert.Equal(keys, readFirst.ReadAll().Select(kv => kv.Key)); // before the commit: both ends meet on the same rows
        var next = Net.Append(1_700_000_009_000, [Net.Register("one")]);
        // Every value rewritten, one key removed, one added.
        store.Commit(next.Block, next.Execution.Receipts, new StateChangeSet(next.Execution.Changes.Entries
            .Concat(keys.Skip(1).Select(k => new KeyValuePair<string, byte[]?>(k, [1])))
            .Append(new(keys[0], null)).Append(new("k/99999", [1]))));
        Assert.Equal(1, store.ReadStateValue(keys[1])![0]);
        foreach (var view in new[] { streamedFirst, readFirst })
        {
            foreach (var rows in new[] { view.Read().ToList(), view.ReadAll() })
            {
                Assert.Equal(keys, rows.Select(kv => kv.Key));
                Assert.All(rows, kv => Assert.Equal([0], kv.Value));
            }
        }
        streamedFirst.Dispose();
        streamedFirst.Dispose(); // twice does nothing
        Assert.Throws<ObjectDisposedException>(() => streamedFirst.Read().ToList());
        Assert.Throws<ObjectDisposedException>(() => streamedFirst.ReadAll());
        using var now = store.OpenStateSnapshot();
        Assert.Contains(now.ReadAll(), kv => kv.Key == "k/99999");
        Assert.DoesNotContain(now.Read(), kv => kv.Key == keys[0]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(17)]
    [InlineData(10_001)]
    public void The_whole_state_read_at_once_is_the_streamed_state_for_few_rows(int rows)
    {
        using var store = CreateStore();
        Assert.Empty(store.ReadAllState()); // no blocks, no rows
        CommitGenesisWith(store, Net, Enumerable.Range(0, rows).Select(i => $"same/prefix/{i:D3}"));
        for (var round = 0; round < 50; round++) AssertReadAllIsStreamed(store);
        Assert.Equal(rows, store.ReadAllState().Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void The_whole_state_read_at_once_is_the_streamed_state_for_random_keys_where_UTF16_and_UTF8_order_disagree(int seed)
    {
        var random = new Random(seed);
        string[] pieces = ["a", "\u00e9", "\ud7ff", "\ue000", "\uf8ff", "\uffee", "\uffff", "\ud800\udc00", "\ud83d\ude00", "\udbff\udfff", "\u0001", "/"];
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var count = random.Next(0, 400);
        while (keys.Count < count) keys.Add(string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(_ => pieces[random.Next(pieces.Length)])));
        using var store = CreateStore();
        CommitGenesisWith(store, Net, keys);
        for (var round = 0; round < 20; round++) AssertReadAllIsStreamed(store);
        Assert.Equal(keys.Count, store.ReadAllState().Count);
    }

    [Fact]
    public async Task The_whole_state_read_at_once_while_blocks_are_committed_is_one_snapshot()
    {
        using var store = CreateStore();
        var keys = Enumerable.Range(0, 2_000).Select(i => $"k/{i:D5}").ToList();
        store.Commit(Net.Blocks[0].Block, Net.Blocks[0].Execution.Receipts,
            new StateChangeSet(keys.Select(k => new KeyValuePair<string, byte[]?>(k, [0]))));
        var blocks = Enumerable.Range(1, 40).Select(h => Net.Append(1_700_000_009_000 + (ulong)h, [Net.Register($"c{h}")])).ToList();
        var writer = Task.Run(() =>
        {
            foreach (var b in blocks)
            {
                var h = (byte)b.Block.Header.Height;
                store.Commit(b.Block, b.Execution.Receipts, new StateChangeSet(keys.Select(k => new KeyValuePair<string, byte[]?>(k, [h]))));
            }
        }, TestContext.Current.CancellationToken);
        var reads = 0;
        while (!writer.IsCompleted || reads < 5)
        {
            var all = store.ReadAllState();
            Assert.Equal(keys, all.Select(kv => kv.Key));
            Assert.Single(all.Select(kv => kv.Value[0]).Distinct());
            reads++;
        }
        await writer;
    }

    [Fact]
    public void The_first_state_filed_after_edge_heights()
    {
        using var store = CreateStore();
        Assert.Null(store.FirstStateFiledAfter(0));
        Assert.Null(store.FirstStateFiledAfter(ulong.MaxValue));
        CommitGenesisWith(store, Net, ["b", "a"]);
        Assert.Null(store.FirstStateFiledAfter(0)); // filed under 0, not after it
        Assert.Null(store.FirstStateFiledAfter((ulong)long.MaxValue));
        Assert.Null(store.FirstStateFiledAfter((ulong)long.MaxValue + 1));
        var one = Net.Append(1_700_000_009_000, [Net.Register("one")]);
        store.Commit(one.Block, one.Execution.Receipts, new StateChangeSet([new("\ud83d\ude00", [1]), new("\uffee", [1]), new("a", null)]));
        // The store's key order (UTF-8 bytes): U+FFEE before the surrogate pair, on both stores.
        Assert.Equal(("\uffee", 1UL), store.FirstStateFiledAfter(0));
        Assert.Null(store.FirstStateFiledAfter(1));
    }

    [Fact]
    public void A_state_scan_by_prefix_returns_exactly_the_keys_that_start_with_it_in_ordinal_order()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net, blocks: 1);
        // The store bounds a prefix's range above by the prefix with its last character raised ('/' + 1 = '0', U+D7FE + 1 =
        // U+D7FF), and reads on unbounded from U+D7FF up.
        string[] keys = ["a", "ab", "ab/", "ab/c", "ab/c/d", "ab0", "ab\u00e9", "ac", "b", "aB/x", "ab\ud7fe", "ab\ud7fez", "ab\ud7ff", "ab\ud7ffz"];
        var next = Net.Append(1_700_000_009_000, [Net.Register("one")]);
        store.Commit(next.Block, next.Execution.Receipts,
            new StateChangeSet(next.Execution.Changes.Entries.Concat(keys.Select(k => new KeyValuePair<string, byte[]?>("p/" + k, Encoding.UTF8.GetBytes(k))))));
        var all = store.ReadState().Select(kv => kv.Key).ToList();
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
        Assert.Equal(all, store.ReadState("").Select(kv => kv.Key));
        foreach (var prefix in new[] { "p/", "p/a", "p/ab", "p/ab/", "p/ab/c", "p/aB", "p/b", "p/z", "q", "p/ab\u00e9", "p/ab\ud7fe", "p/ab\ud7ff" })
        {
            var expected = all.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            var scanned = store.ReadState(prefix).ToList();
            Assert.Equal(expected, scanned.Select(kv => kv.Key));
            Assert.All(scanned, kv => Assert.Equal(kv.Key[2..], Encoding.UTF8.GetString(kv.Value)));
        }
        Assert.Equal(new[] { "p/ab", "p/ab/", "p/ab/c", "p/ab/c/d", "p/ab0", "p/ab\u00e9", "p/ab\ud7fe", "p/ab\ud7fez", "p/ab\ud7ff", "p/ab\ud7ffz" }, store.ReadState("p/ab").Select(kv => kv.Key));
        Assert.Equal(new[] { "p/ab/", "p/ab/c", "p/ab/c/d" }, store.ReadState("p/ab/").Select(kv => kv.Key));
        Assert.Equal(new[] { "p/ab\ud7fe", "p/ab\ud7fez" }, store.ReadState("p/ab\ud7fe").Select(kv => kv.Key));
        Assert.Equal(Net.State.Entries.Where(e => e.Key.StartsWith("user/", StringComparison.Ordinal)).Select(e => e.Key).Order(StringComparer.Ordinal),
            store.ReadState("user/").Select(kv => kv.Key));
    }

    [Fact]
    public void ReadBlocks_returns_the_inclusive_range_in_height_order()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net, blocks: 6, txsPerBlock: 2);
        Assert.Equal(new ulong[] { 1, 2, 3 }, store.ReadBlocks(1, 3).Select(b => b.Height));
        Assert.Equal(new ulong[] { 4, 5 }, store.ReadBlocks(4).Select(b => b.Height));
        Assert.Equal(new ulong[] { 2 }, store.ReadBlocks(2, 2).Select(b => b.Height));
        Assert.Empty(store.ReadBlocks(3, 2));
        Assert.Equal(2, store.ReadBlocks(3, 3).Single().Transactions.Count);
        Assert.Equal(Net.Blocks[5].Block.Header.Encode(), store.ReadBlock(5)!.Header);
    }

    [Fact]
    public void The_received_votes_round_trip_apart_from_the_voting_state_and_the_last_save_wins_after_reopening()
    {
        using (var first = CreateStore())
        {
            Assert.Null(first.ReadReceivedVotes());
            first.SaveConsensusState([9]);
            first.SaveReceivedVotes([1, 2, 3]);
            first.SaveReceivedVotes([4, 5]);
            Assert.Equal(new byte[] { 4, 5 }, first.ReadReceivedVotes());
            Assert.Equal(new byte[] { 9 }, first.ReadConsensusState());
        }
        using var store = ReopenStore();
        Assert.Equal(new byte[] { 4, 5 }, store.ReadReceivedVotes());
        Assert.Equal(new byte[] { 9 }, store.ReadConsensusState());
    }

    [Fact]
    public void The_consensus_voting_state_round_trips_and_the_last_save_wins_after_reopening()
    {
        using (var first = CreateStore())
        {
            Assert.Null(first.ReadConsensusState());
            first.SaveConsensusState([1, 2, 3]);
            Assert.Equal(new byte[] { 1, 2, 3 }, first.ReadConsensusState());
            first.SaveConsensusState([4, 5]);
            Assert.Equal(new byte[] { 4, 5 }, first.ReadConsensusState());
            Assert.Null(first.TipHeight);
        }
        using var store = ReopenStore();
        Assert.Equal(new byte[] { 4, 5 }, store.ReadConsensusState());
        var large = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 13)).ToArray();
        store.SaveConsensusState(large);
        Assert.Equal(large, store.ReadConsensusState());
    }

    [Fact]
    public void Pending_disclosures_keep_their_order_ignore_a_repeated_id_survive_reopening_and_are_forgotten_by_id()
    {
        static (Hash256, byte[]) Event(byte b) => (new Hash256(Enumerable.Repeat(b, 32).ToArray()), [b, (byte)(b + 1)]);
        using (var first = CreateStore())
        {
            Assert.Equal(0, first.CountPendingDisclosures());
            first.SavePendingDisclosures([Event(3), Event(1)]);
            first.SavePendingDisclosures([(Event(1).Item1, [99]), Event(2)]); // id 1 again: the first copy stays
            LedgerFixture.Fill(first, Net); // block commits beside them do not touch them
        }
        using var store = ReopenStore();
        Assert.Equal(3, store.CountPendingDisclosures());
        Assert.Equal(new[] { Event(3), Event(1), Event(2) }.Select(e => (e.Item1, Convert.ToHexString(e.Item2))),
            store.ReadPendingDisclosures(10).Select(e => (e.Id, Convert.ToHexString(e.Event))));
        Assert.Equal(new[] { Event(1).Item1 }, store.ReadPendingDisclosures(1, skip: 1).Select(e => e.Id));
        store.DeletePendingDisclosures([Event(3).Item1, new Hash256(new byte[32])]);
        Assert.Equal(new[] { Event(1).Item1, Event(2).Item1 }, store.ReadPendingDisclosures(10).Select(e => e.Id));
        Assert.Equal(3UL, store.TipHeight);
    }

    /// <summary>A document store with no documents, for <see cref="StoreVerifier"/>.</summary>
    protected static DocumentStore NoDocuments() => new(Path.Combine(Path.GetTempPath(), "healthledger-no-documents-" + Guid.NewGuid().ToString("N")));

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the test network; subclasses remove their stores.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing) Net.Dispose();
    }
}
