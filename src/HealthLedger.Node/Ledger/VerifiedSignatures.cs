using HealthLedger.Core.Primitives;

namespace HealthLedger.Node.Ledger;

/// <summary>
/// The ids of transactions whose signature this node verified at its door (on its own network) and that wait for a block:
/// when their block is validated here, their signatures are not verified a second time. A transaction id is SHA-256 of the
/// whole encoding, signature included, so an id vouches for exactly the bytes verified. Every node still verifies every
/// signature itself at least once (at its door or when validating the block). Bounded: past <see cref="Capacity"/> ids, new
/// ones are simply not remembered (they are verified again with their block). Thread-safe.
/// </summary>
public sealed class VerifiedSignatures(int capacity)
{
    // A plain set under one lock: cheaper here than a concurrent dictionary, whose Count takes every lock and whose growth is costly.
    private readonly Lock _lock = new();
    private readonly HashSet<Hash256> _ids = [];

    /// <summary>Most ids kept.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>Ids held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _ids.Count;
        }
    }

    /// <summary>Remembers that the transaction with this id verified.</summary>
    public void Add(Hash256 id)
    {
        lock (_lock)
        {
            if (_ids.Count < Capacity) _ids.Add(id);
        }
    }

    /// <summary>True when the transaction with this id verified here before.</summary>
    public bool Contains(Hash256 id)
    {
        lock (_lock) return _ids.Contains(id);
    }

    /// <summary>Forgets the ids of a committed block's transactions.</summary>
    public void Remove(IEnumerable<Hash256> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        lock (_lock)
        {
            foreach (var id in ids) _ids.Remove(id);
        }
    }
}
