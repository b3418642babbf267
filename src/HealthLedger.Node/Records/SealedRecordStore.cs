using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;

namespace HealthLedger.Node.Records;

/// <summary>
/// The shared shape of a read model that holds one decrypted view per state record of one prefix, in memory only: it opens
/// each record with the <see cref="RecordOpener"/> at load (a record this node cannot open is left out) and keeps the latest
/// view per key. A store of patient records names their consent <see cref="Category"/>, so consent re-wrapping finds them
/// through <see cref="SealedVersions"/>; a store of organisation data (wards, catalogues, formulary, stock) names none.
/// Thread-safe.
/// </summary>
/// <typeparam name="TView">The decrypted view a record opens to.</typeparam>
public abstract class SealedRecordStore<TView> : IRecordKind
    where TView : class
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Held> _held = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public abstract string StatePrefix { get; }

    /// <summary>The consent category of the patient records held; <see cref="ConsentCategories.None"/> (the default) for organisation data.</summary>
    protected virtual ConsentCategories Category => ConsentCategories.None;

    /// <inheritdoc/>
    public abstract IEnumerable<string> KeysWrittenBy(TxPayload payload);

    /// <summary>Decodes one state value and opens its sealed record; null when it does not decode or this node cannot open it.</summary>
    protected abstract Held? Open(byte[] value, RecordOpener opener);

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (Open(value, opener) is not { } held) continue;
            lock (_lock) _held[held.Key] = held;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId)
    {
        if (Category == ConsentCategories.None) return [];
        lock (_lock)
        {
            return _held.Values.Where(h => h.PatientId == patientId).Select(h => new SealedVersion(h.Key, h.Version, h.Sealed, Category)).ToList();
        }
    }

    /// <summary>The record held under <paramref name="key"/> (its view and version), or null.</summary>
    protected Held? Find(string key)
    {
        lock (_lock) return _held.GetValueOrDefault(key);
    }

    /// <summary>The views held that match <paramref name="predicate"/>, unordered (a snapshot).</summary>
    protected List<TView> Select(Func<TView, bool> predicate)
    {
        lock (_lock) return _held.Values.Select(h => h.View).Where(predicate).ToList();
    }

    /// <summary>One record held: its key (the record id), the decrypted view, the patient it belongs to (null for organisation data), and its sealed version.</summary>
    protected sealed record Held(string Key, TView View, string? PatientId, int Version, SealedRecordRef Sealed);
}
