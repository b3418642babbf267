using System.Text.Json;
using CsCheck;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Tests.State;

public class SparseMerkleTreeTests
{
    public static TheoryData<string, (string Key, string Value)[], string> StateRootVectors()
    {
        var data = new TheoryData<string, (string, string)[], string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "state-root.json")));
        foreach (var v in doc.RootElement.EnumerateArray())
        {
            var entries = v.GetProperty("entries").EnumerateArray()
                .Select(e => (e.GetProperty("key").GetString()!, e.GetProperty("value").GetString()!)).ToArray();
            data.Add(v.GetProperty("name").GetString()!, entries, v.GetProperty("root").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(StateRootVectors))]
    public void State_root_matches_the_reference_implementation(string name, (string Key, string Value)[] entries, string root)
    {
        var state = WorldState.Load(entries.Select(e => new KeyValuePair<string, byte[]>(e.Key, Convert.FromHexString(e.Value))));
        Assert.True(root == state.Root.ToString(), $"vector '{name}'");
        Assert.Equal(entries.Length, state.Tree.Count);
    }

    private static readonly Gen<(Hash256, Hash256)[]> Entries =
        Gen.Select(Gen.Int[0, 100_000], Gen.Int).Array[0, 60]
            .Select(a => a.DistinctBy(e => e.Item1).Select(e => (Hashing.Sha256(BitConverter.GetBytes(e.Item1)), Hashing.Sha256(BitConverter.GetBytes(e.Item2)))).ToArray());

    [Fact]
    public void Root_depends_only_on_the_entries_not_on_batching_or_order()
    {
        Gen.Select(Entries, Gen.Int[1, 10]).Sample((entries, batches) =>
        {
            var whole = SparseMerkleTree.Build(entries);
            var incremental = SparseMerkleTree.Empty;
            foreach (var chunk in entries.Reverse().Chunk(Math.Max(1, entries.Length / batches)))
            {
                incremental = incremental.Apply(chunk.Select(e => (e.Item1, (Hash256?)e.Item2)));
            }
            Assert.Equal(whole.Root, incremental.Root);
            Assert.Equal(entries.Length, incremental.Count);
        });
    }

    [Fact]
    public void Every_entrys_value_hash_is_found_by_its_key_hash_and_no_other_key_hash_is()
    {
        Gen.Select(Entries, Gen.Int[0, 100]).Sample((entries, percent) =>
        {
            var removed = entries.Length * percent / 100;
            var built = SparseMerkleTree.Build(entries).Apply(entries.Take(removed).Select(e => (e.Item1, (Hash256?)null)));
            // The same tree as a start makes it from its kept entries, and after some values changed.
            var tree = SparseMerkleTree.FromSorted(built.Entries().ToList(), null);
            var changed = entries.Skip(removed).Where((_, i) => i % 3 == 0).Select(e => (e.Item1, Hashing.Sha256(e.Item2.ToArray()))).ToList();
            tree = tree.Apply(changed.Select(c => (c.Item1, (Hash256?)c.Item2)));
            var expected = entries.Skip(removed).ToDictionary(e => e.Item1, e => e.Item2);
            foreach (var (keyHash, valueHash) in changed) expected[keyHash] = valueHash;
            foreach (var (keyHash, valueHash) in expected)
            {
                Assert.True(tree.TryGetValueHash(keyHash, out var found));
                Assert.Equal(valueHash, found);
            }
            Assert.False(SparseMerkleTree.Empty.TryGetValueHash(entries.Length > 0 ? entries[0].Item1 : default, out _));
            foreach (var (keyHash, _) in entries.Take(removed)) Assert.False(tree.TryGetValueHash(keyHash, out _));
            // A key hash that shares a leaf's path but not its bits below.
            if (entries.Length > removed)
            {
                var bytes = entries[^1].Item1.ToArray();
                bytes[31] ^= 1;
                Assert.False(tree.TryGetValueHash(new Hash256(bytes), out _));
            }
        });
    }

    [Fact]
    public void Deleting_entries_gives_the_root_of_the_remaining_set_and_old_trees_stay_valid()
    {
        Gen.Select(Entries, Gen.Int[0, 100]).Sample((entries, percent) =>
        {
            var full = SparseMerkleTree.Build(entries);
            var fullRoot = full.Root;
            var removeCount = entries.Length * percent / 100;
            var after = full.Apply(entries.Take(removeCount).Select(e => (e.Item1, (Hash256?)null)));
            Assert.Equal(SparseMerkleTree.Build(entries.Skip(removeCount)).Root, after.Root);
            Assert.Equal(entries.Length - removeCount, after.Count);
            Assert.Equal(fullRoot, full.Root);
        });
    }

    [Fact]
    public void Batches_that_grow_and_shrink_subtrees_across_the_bucket_size_keep_the_root_of_the_set_they_leave()
    {
        // Keys from a small pool, many of them sharing long prefixes (the same first 1, 2 or 31 bytes), so that subtrees fill
        // past SparseMerkleTree.BucketSize entries, empty again and sit deep; each batch inserts, replaces, keeps values as
        // they are, and deletes keys held and not held. After every batch the tree answers as the set it should hold, checked
        // against the root computed without the tree's nodes; the tree before the batch still answers as before.
        var batch = Gen.Select(Gen.Int[0, 47], Gen.Int[0, 3]).Array[1, 24].Select(a => a.DistinctBy(c => c.Item1).ToArray());
        batch.Array[1, 30].Sample(batches =>
        {
            var pool = Enumerable.Range(0, 48).Select(i =>
            {
                var key = Hashing.Sha256(BitConverter.GetBytes(i)).ToArray();
                var shared = (i % 4) switch { 0 => 0, 1 => 1, 2 => 2, _ => 31 };
                for (var b = 0; b < shared && b < 31; b++) key[b] = (byte)(0x5A + (i % 2));
                if (shared == 31) key[31] = (byte)i;
                return new Hash256(key);
            }).ToArray();
            var expected = new SortedDictionary<Hash256, Hash256>();
            var tree = SparseMerkleTree.Empty;
            foreach (var changes in batches)
            {
                var before = (tree, tree.Root, tree.Count);
                var applied = changes.Select(c => (pool[c.Item1], c.Item2 switch
                {
                    0 => (Hash256?)null, // a deletion (of a key held or not)
                    1 when expected.TryGetValue(pool[c.Item1], out var same) => same, // a value it already holds
                    _ => Hashing.Sha256(BitConverter.GetBytes(c.Item1 * 7 + c.Item2)),
                })).ToArray();
                foreach (var (key, value) in applied)
                {
                    if (value is { } v) expected[key] = v;
                    else expected.Remove(key);
                }
                tree = tree.Apply(applied);
                var reference = expected.Select(e => (e.Key, SparseMerkleTree.LeafHash(e.Key, e.Value))).ToArray();
                Assert.Equal(SparseMerkleTree.RootOf(reference), tree.Root);
                Assert.Equal(expected.Count, tree.Count);
                Assert.Equal(expected.Select(e => (e.Key, e.Value)), tree.Entries());
                foreach (var key in pool)
                {
                    Assert.Equal(expected.TryGetValue(key, out var value), tree.TryGetValueHash(key, out var found));
                    Assert.Equal(value, found);
                }
                Assert.Equal((before.Root, before.Count), (before.tree.Root, before.tree.Count));
                Assert.Equal(tree.Root, SparseMerkleTree.FromSorted(expected.Select(e => (e.Key, e.Value)).ToList(), null).Root);
            }
        });
    }

    [Fact]
    public void Changing_one_value_changes_the_root_and_changing_it_back_restores_it()
    {
        Entries.Where(e => e.Length > 0).Sample(entries =>
        {
            var tree = SparseMerkleTree.Build(entries);
            var changed = tree.Apply([(entries[0].Item1, Hashing.Sha256("other"u8))]);
            Assert.NotEqual(tree.Root, changed.Root);
            Assert.Equal(tree.Root, changed.Apply([(entries[0].Item1, entries[0].Item2)]).Root);
        });
    }

    [Fact]
    public void Empty_tree_has_the_zero_root_and_a_key_twice_in_one_batch_is_refused()
    {
        Assert.Equal(Hash256.Zero, SparseMerkleTree.Empty.Root);
        var key = Hashing.Sha256("k"u8);
        Assert.Throws<ArgumentException>(() => SparseMerkleTree.Empty.Apply([(key, key), (key, null)]));
    }

    private static readonly ParallelFor OnEveryCore = (count, body) => Parallel.For(0, count, body);

    // Key hashes whose first byte is forced to one value: every entry falls into the same one of the 16 subtrees built apart.
    private static (Hash256, Hash256)[] Crowded((Hash256, Hash256)[] entries, byte first) => entries.Select(e =>
    {
        var key = e.Item1.ToArray();
        key[0] = first;
        return (new Hash256(key), e.Item2);
    }).DistinctBy(e => e.Item1).ToArray();

    [Fact]
    public void A_tree_built_in_parallel_is_the_tree_built_batch_by_batch()
    {
        Gen.Select(Entries, Gen.Byte).Sample((entries, first) =>
        {
            foreach (var set in new[] { entries, Crowded(entries, first) })
            {
                var expected = SparseMerkleTree.Build(set.AsEnumerable());
                foreach (var parallel in new ParallelFor?[] { null, OnEveryCore })
                {
                    var built = SparseMerkleTree.Build(set, parallel);
                    Assert.Equal(expected.Root, built.Root);
                    Assert.Equal(set.Length, built.Count);
                    // Both stay trees that later blocks change alike.
                    var change = set.Take(3).Select(e => (e.Item1, (Hash256?)null)).Append((Hashing.Sha256("new"u8), Hashing.Sha256("v"u8))).ToArray();
                    Assert.Equal(expected.Apply(change).Root, built.Apply(change).Root);
                }
            }
        });
        var large = Enumerable.Range(0, 20_000).Select(i => (Hashing.Sha256(BitConverter.GetBytes(i)), Hashing.Sha256(BitConverter.GetBytes(-i)))).ToArray();
        Assert.Equal(SparseMerkleTree.Build(large.AsEnumerable()).Root, SparseMerkleTree.Build(large, OnEveryCore).Root);
    }

    [Fact]
    public void A_key_hash_twice_is_refused_by_the_parallel_build_and_a_key_twice_by_the_state_load()
    {
        var a = (Hashing.Sha256("a"u8), Hashing.Sha256("1"u8));
        Assert.Throws<ArgumentException>(() => SparseMerkleTree.Build([a, (Hashing.Sha256("b"u8), Hashing.Sha256("2"u8)), a], OnEveryCore));
        Assert.Throws<ArgumentException>(() => WorldState.Load([new("k", [1]), new("k", [2])], OnEveryCore));
    }

    [Fact]
    public void A_state_loaded_in_parallel_has_the_same_root_entries_and_order()
    {
        var entries = Enumerable.Range(0, 3_000).Select(i => new KeyValuePair<string, byte[]>($"entry/{i * 7919 % 3_000:D5}/x", BitConverter.GetBytes(i))).ToList();
        var serial = WorldState.Load(entries);
        var parallel = WorldState.Load(entries, OnEveryCore);
        Assert.Equal(serial.Root, parallel.Root);
        Assert.Equal(serial.Entries.Select(e => e.Key), parallel.Entries.Select(e => e.Key));
        Assert.Equal(entries.Select(e => e.Key).Order(StringComparer.Ordinal), parallel.Entries.Select(e => e.Key));
        Assert.Equal(["entry/00001/x", "entry/00002/x"], parallel.WithPrefix("entry/0000").Select(e => e.Key).Skip(1).Take(2));
    }

    [Fact]
    public void A_key_hash_is_the_SHA256_of_the_key_in_UTF8_whether_encoded_on_the_stack_or_not()
    {
        // 170 three-byte characters may need 513 bytes (the stack's limit is 512); the others stay on the stack.
        foreach (var key in new[] { "", "k", "entry/01J9Z/x", "p/ab\u00e9", new string('\u20ac', 170), new string('a', 600), "lone \ud800 surrogate" })
        {
            Assert.Equal(Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(key)), WorldState.KeyHash(key));
        }
    }

    // A ParallelFor as its contract allows ("in any order"): the last index first.
    private static readonly ParallelFor LastFirst = (count, body) =>
    {
        for (var i = count - 1; i >= 0; i--) body(i);
    };

    [Fact]
    public void A_key_twice_is_refused_by_the_state_load_with_the_same_exception_whatever_order_the_loop_runs_in()
    {
        KeyValuePair<string, byte[]>[] entries = [new("a", [0]), new("k", [1]), new("k", [2]), new("z", [3])];
        var serial = Assert.Throws<ArgumentException>(() => WorldState.Load(entries));
        Assert.Equal("Key 'k' appears twice. (Parameter 'entries')", serial.Message);
        foreach (var (name, parallel) in new[] { ("every core", OnEveryCore), ("last first", LastFirst) })
        {
            var e = Assert.Throws<ArgumentException>(() => WorldState.Load(entries, parallel));
            Assert.Equal((name, serial.Message), (name, e.Message));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(1_000)]
    public void A_state_loaded_through_any_loop_has_the_root_of_the_serial_load(int count)
    {
        var random = new Random(count);
        var entries = Enumerable.Range(0, count).Select(i => new KeyValuePair<string, byte[]>($"k/{random.Next():x8}/{i}", BitConverter.GetBytes(random.Next()))).ToList();
        var expected = SparseMerkleTree.Build(entries.Select(e => (WorldState.KeyHash(e.Key), Hashing.Sha256(e.Value)))).Root;
        foreach (var parallel in new ParallelFor?[] { null, OnEveryCore, LastFirst })
        {
            var state = WorldState.Load(entries, parallel);
            Assert.Equal(expected, state.Root);
            Assert.Equal(count, state.Count);
            Assert.Equal(count, state.Tree.Count);
            Assert.Equal(entries.Select(e => e.Key).Order(StringComparer.Ordinal), state.Entries.Select(e => e.Key));
        }
    }

    [Fact]
    public void Keys_whose_hashes_share_their_top_bits_build_the_same_tree_in_parts()
    {
        // Keys found by their hashes: all in part 0x3 (top nibble 0011), a few in 0xF, one in 0x0.
        var keys = Enumerable.Range(0, 20_000).Select(i => $"key/{i}").Where(k => WorldState.KeyHash(k).ToArray()[0] >> 4 == 0x3).Take(300)
            .Concat(Enumerable.Range(0, 20_000).Select(i => $"other/{i}").Where(k => WorldState.KeyHash(k).ToArray()[0] >> 4 == 0xF).Take(3))
            .Concat(Enumerable.Range(0, 20_000).Select(i => $"lone/{i}").Where(k => WorldState.KeyHash(k).ToArray()[0] >> 4 == 0x0).Take(1)).ToList();
        var entries = keys.Select(k => new KeyValuePair<string, byte[]>(k, [1])).ToList();
        var expected = SparseMerkleTree.Build(entries.Select(e => (WorldState.KeyHash(e.Key), Hashing.Sha256(e.Value)))).Root;
        foreach (var parallel in new ParallelFor?[] { null, OnEveryCore, LastFirst })
        {
            Assert.Equal(expected, WorldState.Load(entries, parallel).Root);
        }
    }

    // A list whose enumeration fails part way (its indexer works): the failure inside the key-map part surfaces.
    private sealed class FailingEnumeration(List<KeyValuePair<string, byte[]>> items) : IReadOnlyList<KeyValuePair<string, byte[]>>
    {
        public KeyValuePair<string, byte[]> this[int index] => items[index];
        public int Count => items.Count;
        public IEnumerator<KeyValuePair<string, byte[]>> GetEnumerator()
        {
            yield return items[0];
            throw new InvalidOperationException("enumeration broke");
        }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Fact]
    public void A_failure_inside_a_part_of_the_state_load_surfaces()
    {
        var list = new FailingEnumeration([new("a", [1]), new("b", [2])]);
        foreach (var parallel in new ParallelFor?[] { null, OnEveryCore, LastFirst })
        {
            var e = Record.Exception(() => WorldState.Load(list, parallel));
            Assert.NotNull(e);
            Assert.Contains("enumeration broke", e.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_tree_from_sorted_entries_is_the_built_tree_and_its_leaves_give_the_same_root()
    {
        Gen.Select(Entries, Gen.Bool).Sample((entries, crowded) =>
        {
            var set = crowded ? Crowded(entries, 0x30) : entries;
            var tree = SparseMerkleTree.Build(set);
            var sorted = set.OrderBy(e => e.Item1).ToList();
            Assert.Equal(sorted, tree.Entries()); // key-hash order
            foreach (var parallel in new ParallelFor?[] { null, OnEveryCore, LastFirst })
            {
                var rebuilt = SparseMerkleTree.FromSorted(sorted, parallel);
                Assert.Equal((tree.Root, tree.Count), (rebuilt.Root, rebuilt.Count));
                Assert.Equal(sorted, rebuilt.Entries());
            }
            var leaves = sorted.Select(e => (e.Item1, SparseMerkleTree.LeafHash(e.Item1, e.Item2))).ToList();
            Assert.Equal(tree.Root, SparseMerkleTree.RootOf(leaves.ToArray()));
        });
    }

    [Fact]
    public void A_tree_from_sorted_entries_binds_every_key_hash_and_refuses_entries_out_of_order()
    {
        var entries = Enumerable.Range(0, 40).Select(i => (Hashing.Sha256(BitConverter.GetBytes(i)), Hashing.Sha256(BitConverter.GetBytes(-i))))
            .OrderBy(e => e.Item1).ToArray();
        var tree = SparseMerkleTree.FromSorted(entries, OnEveryCore);
        // The last bit of any key hash changed (a lone leaf's low bits do not decide its place): another root. (A file of leaf
        // hashes kept that root: the break-it finding this guards against.)
        for (var i = 0; i < entries.Length; i++)
        {
            var changed = entries.ToArray();
            var key = changed[i].Item1.ToArray();
            key[31] ^= 0x01;
            changed[i] = (new Hash256(key), changed[i].Item2);
            if (changed.Select(e => e.Item1).Distinct().Count() < changed.Length || changed.Zip(changed.Skip(1)).Any(p => p.First.Item1.CompareTo(p.Second.Item1) >= 0)) continue;
            Assert.NotEqual(tree.Root, SparseMerkleTree.FromSorted(changed, null).Root);
        }
        // One value hash changed: another root.
        var other = entries.ToArray();
        other[7] = (other[7].Item1, Hashing.Sha256("other"u8));
        Assert.NotEqual(tree.Root, SparseMerkleTree.FromSorted(other, OnEveryCore).Root);
        // Two entries swapped, or one repeated: refused.
        var swapped = entries.ToArray();
        (swapped[3], swapped[4]) = (swapped[4], swapped[3]);
        var repeated = entries.ToArray();
        repeated[5] = repeated[4];
        foreach (var bad in new[] { swapped, repeated })
        {
            Assert.Throws<ArgumentException>(() => SparseMerkleTree.FromSorted(bad, OnEveryCore));
            Assert.Throws<ArgumentException>(() => SparseMerkleTree.RootOf(bad.Select(e => (e.Item1, SparseMerkleTree.LeafHash(e.Item1, e.Item2))).ToArray()));
        }
        Assert.Equal(Hash256.Zero, SparseMerkleTree.RootOf([]));
        Assert.Equal(Hash256.Zero, SparseMerkleTree.FromSorted([], null).Root);
        Assert.Empty(SparseMerkleTree.Empty.Entries());
    }

    [Fact]
    public void A_state_loaded_with_its_tree_answers_as_the_state_loaded_by_hashing_and_a_tree_of_another_size_is_refused()
    {
        var entries = Enumerable.Range(0, 2_000).Select(i => new KeyValuePair<string, byte[]>($"entry/{i * 7919 % 2_000:D5}/x", BitConverter.GetBytes(i))).ToList();
        var hashed = WorldState.Load(entries, OnEveryCore);
        foreach (var parallel in new ParallelFor?[] { null, OnEveryCore, LastFirst })
        {
            var sorted = hashed.Tree.Entries().ToList();
            Assert.Equal(entries.Select(e => (WorldState.KeyHash(e.Key), Hashing.Sha256(e.Value))).OrderBy(e => e.Item1), sorted);
            var kept = WorldState.Load(entries, SparseMerkleTree.FromSorted(sorted, parallel), parallel);
            Assert.Equal(hashed.Root, kept.Root);
            Assert.Equal(hashed.Entries.Select(e => (e.Key, Convert.ToHexString(e.Value))), kept.Entries.Select(e => (e.Key, Convert.ToHexString(e.Value))));
            Assert.Equal(hashed.WithPrefix("entry/0001").Select(e => e.Key), kept.WithPrefix("entry/0001").Select(e => e.Key));
            // It goes on as the hashed one does.
            var changes = new StateChangeSet([new("entry/00005/x", [9]), new("entry/00006/x", null), new("new", [1])]);
            hashed.Apply(changes);
            kept.Apply(changes);
            Assert.Equal(hashed.Root, kept.Root);
            Assert.Equal(hashed.Root, SparseMerkleTree.FromSorted(kept.Tree.Entries().ToList(), parallel).Root);
            hashed = WorldState.Load(entries, OnEveryCore);
        }
        Assert.Throws<ArgumentException>(() => WorldState.Load(entries[1..], hashed.Tree, OnEveryCore));
        var twice = entries.Take(1_999).Append(entries[0]).ToList();
        var e = Assert.Throws<ArgumentException>(() => WorldState.Load(twice, hashed.Tree, OnEveryCore));
        Assert.Contains("appears twice", e.Message, StringComparison.Ordinal);
    }
}
