using Utf8 = System.Text.Encoding;

namespace HealthLedger.Core.State;

/// <summary>
/// The keys under one prefix whose values a <see cref="WorldState"/> reads on demand, kept without their values so that a read
/// of a narrower prefix knows which rows the store must return (<see cref="WorldState.ReadOnDemand"/>): the keys held when
/// the values were let go, after the prefix, in one UTF-8 block sorted by bytes (the store's key order; a few bytes a key,
/// not a string each: 48 MB for the 1.3 million care, category key, MRN and name keys at 100,000 patients), and the keys
/// added and deleted since in two sets.
/// </summary>
internal sealed class OnDemandKeys
{
    private readonly string _prefix;
    private readonly byte[] _bytes;
    private readonly int[] _starts; // suffix i is _bytes[_starts[i].._starts[i + 1]]
    private readonly SortedSet<string> _added = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deleted = new(StringComparer.Ordinal);

    /// <summary>The keys of <paramref name="prefix"/> held now (each starting with it, each once).</summary>
    public OnDemandKeys(string prefix, IReadOnlyCollection<string> keys)
    {
        _prefix = prefix;
        var suffixes = keys.Select(k => Utf8.UTF8.GetBytes(k, prefix.Length, k.Length - prefix.Length)).ToArray();
        Array.Sort(suffixes, static (x, y) => x.AsSpan().SequenceCompareTo(y));
        _starts = new int[suffixes.Length + 1];
        for (var i = 0; i < suffixes.Length; i++) _starts[i + 1] = _starts[i] + suffixes[i].Length;
        _bytes = new byte[_starts[^1]];
        for (var i = 0; i < suffixes.Length; i++) suffixes[i].CopyTo(_bytes, _starts[i]);
    }

    /// <summary>A key that was not in the state is now (<see cref="WorldState.Apply"/>).</summary>
    public void Added(string key)
    {
        if (!_deleted.Remove(key)) _added.Add(key);
    }

    /// <summary>A key that was in the state is not any more (<see cref="WorldState.Apply"/>).</summary>
    public void Deleted(string key)
    {
        if (!_added.Remove(key)) _deleted.Add(key);
    }

    /// <summary>The keys held now that start with <paramref name="prefix"/> (which starts with this table's prefix).</summary>
    public HashSet<string> With(string prefix)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var wanted = Utf8.UTF8.GetBytes(prefix, _prefix.Length, prefix.Length - _prefix.Length);
        // The first suffix at or after the wanted bytes, then every one that starts with them.
        int low = 0, high = _starts.Length - 1;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (Suffix(middle).SequenceCompareTo(wanted) < 0) low = middle + 1;
            else high = middle;
        }
        for (var i = low; i < _starts.Length - 1 && Suffix(i).StartsWith(wanted); i++)
        {
            var key = _prefix + Utf8.UTF8.GetString(Suffix(i));
            if (!_deleted.Contains(key)) keys.Add(key);
        }
        if (_added.Count > 0 && string.CompareOrdinal(prefix, _added.Max) <= 0)
        {
            foreach (var key in _added.GetViewBetween(prefix, _added.Max!))
            {
                if (!key.StartsWith(prefix, StringComparison.Ordinal)) break;
                keys.Add(key);
            }
        }
        return keys;
    }

    private ReadOnlySpan<byte> Suffix(int i) => _bytes.AsSpan(_starts[i], _starts[i + 1] - _starts[i]);
}
