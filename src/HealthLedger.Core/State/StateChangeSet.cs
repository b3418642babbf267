namespace HealthLedger.Core.State;

/// <summary>
/// The writes of one block, in ordinal key order: a value to set, or null to delete.
/// Ordinal order makes storage writes and tree updates deterministic.
/// </summary>
public sealed class StateChangeSet
{
    /// <summary>Creates a change set from writes.</summary>
    public StateChangeSet(IEnumerable<KeyValuePair<string, byte[]?>> writes)
    {
        var sorted = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal);
        foreach (var (key, value) in writes) sorted[key] = value;
        Entries = [.. sorted];
    }

    /// <summary>No changes.</summary>
    public static StateChangeSet Empty { get; } = new([]);

    /// <summary>The writes, sorted by key (ordinal).</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]?>> Entries { get; }

    /// <summary>The number of writes.</summary>
    public int Count => Entries.Count;
}
