using CsCheck;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Tests.State;

/// <summary>
/// The world state's ordered reads (<see cref="WorldState.Entries"/>, <see cref="WorldState.WithPrefix"/>) against a sorted
/// dictionary, after a load (the keys it found kept apart from those added later) and any sequence of writes, deletions and
/// re-additions.
/// </summary>
public class WorldStateTests
{
    // Keys share prefixes (so prefix reads have something to skip) and some hold characters above U+FFFF, whose UTF-16 order
    // differs from UTF-8's (a store's key order) against characters from U+E000 to U+FFFF.
    // U+FFFF right after a prefix once fell outside the range read for keys added after the load (break-it, 2026-12-05).
    private static readonly string[] Prefixes = ["", "a/", "a/b", "b/", "\uE000/", "\U0001F600/", "zz", "a/\uffff"];

    private static readonly Gen<string> Key =
        Gen.Select(Gen.Int[1, 7], Gen.Int[0, 30]).Select((p, n) => Prefixes[p] + (n % 3 == 0 ? "\U0001F600" : n % 3 == 1 ? "\uE001" : "") + n);

    private static readonly Gen<KeyValuePair<string, byte[]?>> Write =
        Gen.Select(Key, Gen.Int[0, 3], Gen.Byte).Select((k, kind, b) => new KeyValuePair<string, byte[]?>(k, kind == 0 ? null : [b]));

    [Fact]
    public void Ordered_reads_match_a_sorted_map_after_a_load_and_any_writes()
    {
        Gen.Select(Key.Array[0, 40], Gen.Bool, Write.Array[0, 12].Array[0, 6]).Sample((loadedKeys, parallel, blocks) =>
        {
            var loaded = loadedKeys.Distinct(StringComparer.Ordinal).Select(k => new KeyValuePair<string, byte[]>(k, [(byte)k.Length])).ToList();
            var state = WorldState.Load(loaded, parallel ? (count, body) => Parallel.For(0, count, body) : null);
            var model = new SortedDictionary<string, byte[]>(loaded.ToDictionary(e => e.Key, e => e.Value), StringComparer.Ordinal);
            Check(state, model);
            foreach (var block in blocks)
            {
                var changes = new StateChangeSet(block);
                state.Apply(changes);
                foreach (var (key, value) in changes.Entries)
                {
                    if (value is null) model.Remove(key);
                    else model[key] = value;
                }
                Check(state, model);
            }
        }, iter: 400);
    }

    [Fact]
    public void A_state_loaded_with_its_kept_tree_reads_the_same_after_writes()
    {
        var rows = Enumerable.Range(0, 300).Select(i => new KeyValuePair<string, byte[]>($"entry/{i:d4}", [(byte)i])).Reverse().ToList(); // not in key order
        var hashed = WorldState.Load(rows);
        var kept = WorldState.Load(rows, SparseMerkleTree.FromSorted(hashed.Tree.Entries().ToList(), null), null);
        var writes = new StateChangeSet([
            new("entry/0007", null), new("entry/0008", [1]), new("entry/0150a", [2]), new("entry/", [3]), new("entry/0299", null),
        ]);
        hashed.Apply(writes);
        kept.Apply(writes);
        Assert.Equal(hashed.Root, kept.Root);
        Assert.Equal(hashed.Entries.Select(e => e.Key), kept.Entries.Select(e => e.Key));
        Assert.Equal(["entry/", "entry/0000", "entry/0001", "entry/0002", "entry/0003", "entry/0004", "entry/0005", "entry/0006", "entry/0008"],
            kept.WithPrefix("entry/").Take(9).Select(e => e.Key));
        Assert.Equal(["entry/0150", "entry/0150a"], kept.WithPrefix("entry/0150").Select(e => e.Key));
        kept.Apply(new StateChangeSet([new("entry/0007", [9])])); // deleted after the load, then written again: once, in its place
        Assert.Equal(["entry/0006", "entry/0007", "entry/0008"], kept.WithPrefix("entry/000").Skip(6).Take(3).Select(e => e.Key));
        Assert.Equal([9], kept.WithPrefix("entry/0007").Single().Value);
    }

    [Fact]
    public void A_key_with_U_FFFF_after_the_prefix_is_read_whether_loaded_or_added()
    {
        var loaded = WorldState.Load([new("a\uffffb", [1])]);
        var added = WorldState.Load([]);
        added.Apply(new StateChangeSet([new("a\uffffb", [1]), new("b", [2])]));
        Assert.Equal(["a\uffffb"], loaded.WithPrefix("a").Select(e => e.Key));
        Assert.Equal(["a\uffffb"], added.WithPrefix("a").Select(e => e.Key));
        Assert.Equal(["a\uffffb"], added.WithPrefix("a\uffff").Select(e => e.Key));
        Assert.Empty(added.WithPrefix("a\uffffc"));
        Assert.Empty(added.WithPrefix("c"));
    }

    [Fact]
    public void Values_read_on_demand_read_the_same_after_a_load_and_any_writes()
    {
        string[] onDemand = ["a/", "\U0001F600/"];
        Gen.Select(Key.Array[0, 40], Write.Array[0, 12].Array[0, 6]).Sample((loadedKeys, blocks) =>
        {
            var loaded = loadedKeys.Distinct(StringComparer.Ordinal).Select(k => new KeyValuePair<string, byte[]>(k, [(byte)k.Length])).ToList();
            var state = WorldState.Load(loaded);
            var store = new Store(loaded);
            var model = new SortedDictionary<string, byte[]>(loaded.ToDictionary(e => e.Key, e => e.Value), StringComparer.Ordinal);
            Assert.Equal(model.Keys.Count(k => onDemand.Any(p => k.StartsWith(p, StringComparison.Ordinal))), state.ReadOnDemand(store, onDemand, ["a/"], keepKeys: ["a/"]));
            Check(state, model, onDemand);
            foreach (var block in blocks)
            {
                // As a node does: the store commits the block, then the state applies it.
                var changes = new StateChangeSet(block);
                store.Commit(changes);
                state.Apply(changes);
                foreach (var (key, value) in changes.Entries)
                {
                    if (value is null) model.Remove(key);
                    else model[key] = value;
                }
                Check(state, model, onDemand);
                // A prefix read reads the store's rows of the prefix in one go: no key alone.
                store.Reads.Clear();
                _ = state.WithPrefix("a/").ToList();
                _ = state.WithPrefix("").ToList();
                Assert.Empty(store.Reads);
                foreach (var key in model.Keys)
                {
                    store.Reads.Clear();
                    Assert.True(state.TryGet(key, out var value));
                    Assert.Equal(model[key], value);
                    Assert.True(state.Contains(key));
                    // Only the values under the on-demand prefixes are read from the store, at most once while they are the tree's.
                    if (!onDemand.Any(p => key.StartsWith(p, StringComparison.Ordinal))) Assert.Empty(store.Reads);
                    Assert.True(store.Reads.Count <= 1);
                    // Read again: from the store unless its prefix's values are kept ("a/") and it is still the tree's.
                    store.Reads.Clear();
                    Assert.True(state.TryGet(key, out var again));
                    Assert.Equal(model[key], again);
                    Assert.Equal(key.StartsWith("\U0001F600/", StringComparison.Ordinal) ? [key] : [], store.Reads);
                }
                // A key the state does not hold is not looked for in the store: the tree says it is not there.
                foreach (var key in Prefixes.Select(p => p + "absent"))
                {
                    store.Reads.Clear();
                    Assert.False(state.TryGet(key, out _));
                    Assert.False(state.Contains(key));
                    Assert.Empty(store.Reads);
                }
            }
        }, iter: 300);
    }

    [Fact]
    public void A_value_read_on_demand_that_the_store_changed_or_lost_is_refused_naming_its_key()
    {
        var rows = Enumerable.Range(0, 50).Select(i => new KeyValuePair<string, byte[]>($"entry/{i:d3}", [(byte)i, 1])).ToList();
        var state = WorldState.Load(rows.Append(new("patient/p1", [7])));
        var store = new Store(rows);
        Assert.Equal(50, state.ReadOnDemand(store, ["entry/"], keepKeys: ["entry/"]));
        Assert.Equal([(byte)20, 1], state.WithPrefix("entry/").ElementAt(20).Value);

        store.Rows["entry/020"] = [20, 2]; // one byte changed in the store
        Assert.Equal("entry/020", Assert.Throws<StateValueMismatchException>(() => state.TryGet("entry/020", out _)).Key);
        Assert.Equal("entry/020", Assert.Throws<StateValueMismatchException>(() => state.WithPrefix("entry/").ToList()).Key);
        Assert.DoesNotContain("\u0014", Assert.Throws<StateValueMismatchException>(() => state.TryGet("entry/020", out _)).Message, StringComparison.Ordinal);
        Assert.True(state.Contains("entry/020")); // the key is the state's: no read
        Assert.True(state.TryGet("entry/021", out _));

        store.Rows.Remove("entry/020"); // a row deleted from the store: found by a read of its key, of the whole prefix or a narrower one
        Assert.Equal("entry/020", Assert.Throws<StateValueMismatchException>(() => state.TryGet("entry/020", out _)).Key);
        var lacking = Assert.Throws<StateValueMismatchException>(() => state.WithPrefix("entry/02").ToList());
        Assert.Equal("entry/02", lacking.Key);
        Assert.Contains("lacks 1 of the state's entries", lacking.Message, StringComparison.Ordinal);
        Assert.Contains("'entry/020'", lacking.Message, StringComparison.Ordinal);
        Assert.Equal(10, state.WithPrefix("entry/01").Count()); // the other ranges are whole
        var missing = Assert.Throws<StateValueMismatchException>(() => state.WithPrefix("entry/").ToList());
        Assert.Equal("entry/", missing.Key);
        Assert.Contains("49 entries", missing.Message, StringComparison.Ordinal);
        Assert.Equal("entry/", Assert.Throws<StateValueMismatchException>(() => state.Entries.ToList()).Key);
        store.Rows["entry/020"] = [20, 1]; // put back as it was
        Assert.Equal([(byte)20, 1], state.WithPrefix("entry/02").First().Value);
        Assert.Equal(51, state.Entries.Count());

        store.Rows["entry/020x"] = [1]; // a row the chain never wrote
        Assert.Equal("entry/020x", Assert.Throws<StateValueMismatchException>(() => state.WithPrefix("entry/02").ToList()).Key);
        Assert.False(state.TryGet("entry/020x", out _)); // not the state's: not read
        store.Rows.Remove("entry/020x");
        Assert.True(state.TryGet("patient/p1", out var held)); // held: the store has no such row
        Assert.Equal([(byte)7], held);
    }

    [Fact]
    public void A_narrower_read_finds_exactly_the_kept_keys_after_blocks_and_is_refused_where_keys_are_not_kept()
    {
        var rows = new List<KeyValuePair<string, byte[]>> { new("care/p1/d1", [1]), new("care/p1/d2", [2]), new("care/p2/d1", [3]), new("entry/e1", [4]) };
        var state = WorldState.Load(rows);
        var store = new Store(rows);
        state.ReadOnDemand(store, ["care/", "entry/"], keepKeys: ["care/"]);
        // Blocks add, delete, delete and re-add: the kept keys follow them.
        foreach (var block in new StateChangeSet[]
        {
            new([new("care/p1/d3", [5]), new("care/p1/d1", null)]),
            new([new("care/p1/d1", [6]), new("care/p1/d3", null), new("care/p2/d1", null)]),
            new([new("care/p1/d3", [7])]),
        })
        {
            store.Commit(block);
            state.Apply(block);
        }
        Assert.Equal(["care/p1/d1", "care/p1/d2", "care/p1/d3"], state.WithPrefix("care/p1/").Select(e => e.Key));
        Assert.Empty(state.WithPrefix("care/p2/"));
        store.Rows.Remove("care/p1/d3"); // a row added by a block, then deleted in the store
        Assert.Equal("care/p1/", Assert.Throws<StateValueMismatchException>(() => state.WithPrefix("care/p1/").ToList()).Key);
        store.Rows["care/p1/d3"] = [7];
        store.Rows["care/p2/d1"] = [3]; // a row a block deleted, put back in the store: the tree no longer holds it
        Assert.Equal("care/p2/d1", Assert.Throws<StateValueMismatchException>(() => state.WithPrefix("care/p2/").ToList()).Key);
        store.Rows.Remove("care/p2/d1");
        Assert.Single(state.WithPrefix("entry/")); // whole: counted
        var refused = Assert.Throws<InvalidOperationException>(() => state.WithPrefix("entry/e").ToList());
        Assert.Contains("only the whole prefix or single keys", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => WorldState.Load([]).ReadOnDemand(store, ["entry/"], keepKeys: ["care/"])); // kept but not read on demand
    }

    [Fact]
    public void A_value_read_on_demand_is_kept_while_it_is_the_trees_and_read_again_once_a_block_changed_it()
    {
        var rows = new List<KeyValuePair<string, byte[]>> { new("care/p1/d1", [1]), new("care/p1/d2", [2]) };
        var state = WorldState.Load(rows);
        var store = new Store(rows);
        state.ReadOnDemand(store, ["care/"], ["care/"]);
        Assert.True(state.TryGet("care/p1/d1", out var first));
        Assert.True(state.TryGet("care/p1/d1", out var again));
        Assert.Equal([(byte)1], again);
        Assert.Equal(["care/p1/d1"], store.Reads); // once

        var changes = new StateChangeSet([new("care/p1/d1", [9])]);
        store.Commit(changes);
        state.Apply(changes);
        store.Reads.Clear();
        Assert.True(state.TryGet("care/p1/d1", out var changed));
        Assert.Equal([(byte)9], changed); // not the value kept from before the block
        Assert.Equal(["care/p1/d1"], store.Reads);
        Assert.Equal([(byte)1], first);
    }

    [Fact]
    public void Prefixes_read_on_demand_are_named_once_and_do_not_nest()
    {
        var state = WorldState.Load([new("entry/1", [1]), new("care/1", [2])]);
        var store = new Store([new("entry/1", [1]), new("care/1", [2])]);
        Assert.Throws<ArgumentException>(() => state.ReadOnDemand(store, ["entry/", "entry/1"]));
        Assert.Equal(2, state.Count); // nothing let go
        Assert.Equal(2, state.ReadOnDemand(store, ["entry/", "care/"]));
        Assert.Equal(2, state.Count);
        Assert.Throws<InvalidOperationException>(() => state.ReadOnDemand(store, ["patient/"]));
        Assert.Throws<ArgumentException>(() => WorldState.Load([]).ReadOnDemand(store, ["entry/"], ["care/"])); // kept but not read on demand
    }

    [Fact]
    public void A_state_loaded_with_prefixes_as_keys_only_refuses_their_reads_and_changes_until_it_reads_them_on_demand_then_reads_the_same()
    {
        var rows = Enumerable.Range(0, 40).Select(i => new KeyValuePair<string, byte[]>(i % 2 == 0 ? $"entry/{i:d3}" : $"patient/{i:d3}", [(byte)i])).ToList();
        var tree = WorldState.Load(rows).Tree;
        // The rows as a start's view reads them: the values under entry/ left unread (empty).
        var keysOnly = rows.Select(r => r.Key.StartsWith("entry/", StringComparison.Ordinal) ? new KeyValuePair<string, byte[]>(r.Key, []) : r).ToList();
        var state = WorldState.Load(keysOnly, tree, null, ["entry/"]);
        Assert.Equal(40, state.Count);
        Assert.Equal(tree.Root, state.Root);
        Assert.True(state.Contains("entry/000")); // the key is the state's (its tree's)
        Assert.False(state.Contains("entry/001"));
        Assert.True(state.TryGet("patient/001", out var held));
        Assert.Equal([(byte)1], held);
        Assert.Contains("entry/", Assert.Throws<InvalidOperationException>(() => state.TryGet("entry/000", out _)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => state.WithPrefix("entry/").ToList());
        Assert.Throws<InvalidOperationException>(() => state.WithPrefix("ent").ToList()); // a prefix that takes it in
        Assert.Throws<InvalidOperationException>(() => state.Entries.ToList());
        var change = new StateChangeSet([new("patient/099", [9]), new("entry/002", [2, 2])]);
        Assert.Throws<InvalidOperationException>(() => state.Apply(change));
        Assert.Equal(tree.Root, state.Root); // nothing applied
        Assert.False(state.Contains("patient/099"));

        var store = new Store(rows);
        Assert.Throws<ArgumentException>(() => state.ReadOnDemand(store, ["care/"])); // must read entry/ on demand too
        Assert.Equal(20, state.ReadOnDemand(store, ["entry/"], keepKeys: ["entry/"]));
        Assert.Equal(rows.Where(r => r.Key.StartsWith("entry/", StringComparison.Ordinal)).Select(r => (r.Key, r.Value[0])),
            state.WithPrefix("entry/").Select(r => (r.Key, r.Value[0])));
        Assert.True(state.TryGet("entry/010", out var read));
        Assert.Equal([(byte)10], read);
        store.Commit(change);
        state.Apply(change);
        Assert.Equal(WorldState.Load(store.Rows.ToList()).Root, state.Root);
        Assert.Equal(41, state.Count);
    }

    [Fact]
    public void A_keys_only_load_refuses_a_key_twice_and_nested_or_empty_prefixes()
    {
        var rows = new List<KeyValuePair<string, byte[]>> { new("entry/1", [1]), new("care/1", [2]) };
        var tree = WorldState.Load(rows).Tree;
        Assert.Throws<ArgumentException>(() => WorldState.Load(rows, tree, null, ["entry/", "entry/1"]));
        Assert.Throws<ArgumentException>(() => WorldState.Load(rows, tree, null, [""]));
        Assert.Throws<ArgumentException>(() => WorldState.Load([.. rows, new("entry/1", [])], tree, null, ["entry/"])); // the tree holds 2, the rows 3
        var twice = new List<KeyValuePair<string, byte[]>> { new("entry/1", []), new("entry/1", []) };
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => WorldState.Load(twice, WorldState.Load([new("entry/1", [1]), new("entry/2", [1])]).Tree, null, ["entry/"])).Message,
            StringComparison.Ordinal);
    }

    // A store of state rows as a node's is: rows in the order of their keys' UTF-8 bytes (which differs from the state's ordinal
    // order for characters above U+FFFF), committed before the state applies them; counts the point reads.
    private sealed class Store(IEnumerable<KeyValuePair<string, byte[]>> rows) : IStateValueSource
    {
        public SortedDictionary<string, byte[]> Rows { get; } = new(rows.ToDictionary(e => e.Key, e => e.Value), Utf8Order);

        public List<string> Reads { get; } = [];

        public static readonly Comparer<string> Utf8Order = Comparer<string>.Create(static (x, y) =>
            System.Text.Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(y)));

        public void Commit(StateChangeSet changes)
        {
            foreach (var (key, value) in changes.Entries)
            {
                if (value is null) Rows.Remove(key);
                else Rows[key] = value;
            }
        }

        public byte[]? Read(string key)
        {
            Reads.Add(key);
            return Rows.GetValueOrDefault(key);
        }

        public IEnumerable<KeyValuePair<string, byte[]>> ReadPrefix(string prefix) => Rows.Where(r => r.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }

    // The state's ordered reads against the model's: ordinal key order, except within a prefix read on demand, whose entries
    // come in the store's order (UTF-8).
    private static void Check(WorldState state, SortedDictionary<string, byte[]> model, string[]? onDemand = null)
    {
        var order = Comparer<string>.Create((x, y) =>
            onDemand?.FirstOrDefault(p => x.StartsWith(p, StringComparison.Ordinal)) is { } p && y.StartsWith(p, StringComparison.Ordinal)
                ? Store.Utf8Order.Compare(x, y)
                : string.CompareOrdinal(x, y));
        Assert.Equal(model.Count, state.Count);
        Assert.Equal(model.OrderBy(e => e.Key, order).Select(e => (e.Key, e.Value[0])), state.Entries.Select(e => (e.Key, e.Value[0])));
        foreach (var prefix in Prefixes.Append("a").Append("a/\uffff0").Append("\U0001F600"))
        {
            Assert.Equal(model.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(e => e.Key, order).Select(e => (e.Key, Convert.ToHexString(e.Value))),
                state.WithPrefix(prefix).Select(e => (e.Key, Convert.ToHexString(e.Value))));
        }
    }
}
