namespace HealthLedger.Storage;

/// <summary>
/// A consistent view of a store's world state that lasts until it is disposed (<see cref="ILedgerStore.OpenStateSnapshot"/>):
/// every read of it returns the same rows, whatever is committed, changed or removed in the store meanwhile. A node's start
/// loads its state from one and the integrity sweep reads it again to check the very rows the start loaded, without the node
/// holding them in between (docs/architecture.md, "Start-up integrity check").
/// </summary>
/// <remarks>
/// Reads are not thread-safe with each other: one at a time. Disposing ends the view (a read under way then fails with the
/// backend's exception); disposing twice does nothing. While a view is open the store keeps what it needs to answer it
/// (SQLite: the write-ahead log's checkpoints stop short of the view's snapshot, so <c>ledger.db-wal</c> grows until it is
/// disposed; PostgreSQL: the transaction holds back the removal of dead rows).
/// </remarks>
public interface IStateSnapshot : IDisposable
{
    /// <summary>
    /// The whole world state of the view, in the store's key order (<see cref="Utf8Order"/>), read at once (a store may spread
    /// the read over several readers, as <see cref="ILedgerStore.ReadAllState"/>).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The view was disposed.</exception>
    IReadOnlyList<KeyValuePair<string, byte[]>> ReadAll();

    /// <summary>
    /// <see cref="ReadAll()"/>, but the rows whose keys <paramref name="withoutValue"/> accepts come with an empty value, their
    /// stored value not read (a node's start holds the keys of the entries it reads on demand, not their values). A row stored
    /// with other types than the store writes is refused all the same.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The view was disposed.</exception>
    IReadOnlyList<KeyValuePair<string, byte[]>> ReadAll(Predicate<string> withoutValue);

    /// <summary>The same rows as <see cref="ReadAll()"/>, in the same order, streamed (constant memory).</summary>
    /// <exception cref="ObjectDisposedException">The view was disposed.</exception>
    IEnumerable<KeyValuePair<string, byte[]>> Read();
}

/// <summary>
/// The view of a store that has no snapshots of its own (<see cref="ILedgerStore.OpenStateSnapshot"/>'s default): the rows are
/// read at once when it is opened and held, in memory, until it is disposed.
/// </summary>
public sealed class HeldStateSnapshot(IReadOnlyList<KeyValuePair<string, byte[]>> rows) : IStateSnapshot
{
    private IReadOnlyList<KeyValuePair<string, byte[]>>? _rows = rows ?? throw new ArgumentNullException(nameof(rows));

    /// <inheritdoc/>
    public IReadOnlyList<KeyValuePair<string, byte[]>> ReadAll() => _rows ?? throw new ObjectDisposedException(nameof(HeldStateSnapshot));

    /// <inheritdoc/>
    public IReadOnlyList<KeyValuePair<string, byte[]>> ReadAll(Predicate<string> withoutValue)
    {
        ArgumentNullException.ThrowIfNull(withoutValue);
        return [.. ReadAll().Select(r => withoutValue(r.Key) ? new KeyValuePair<string, byte[]>(r.Key, []) : r)];
    }

    /// <inheritdoc/>
    public IEnumerable<KeyValuePair<string, byte[]>> Read() => ReadAll();

    /// <inheritdoc/>
    public void Dispose() => _rows = null;
}
