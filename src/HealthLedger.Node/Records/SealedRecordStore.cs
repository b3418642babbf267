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
    private readonly DataKeyedVersions _dataKeyed = new();
    private readonly Dictionary<string, HashSet<string>> _groups = new(StringComparer.Ordinal); // Group → keys

    /// <inheritdoc/>
    public abstract string StatePrefix { get; }

    /// <summary>The consent category of the patient records held; <see cref="ConsentCategories.None"/> (the default) for organisation data.</summary>
    protected virtual ConsentCategories Category => ConsentCategories.None;

    /// <inheritdoc/>
    public abstract IEnumerable<string> KeysWrittenBy(TxPayload payload);

    /// <summary>Decodes one state value and opens its sealed record; null when it does not decode or this node cannot open it.</summary>
    protected abstract Held? Open(byte[] value, RecordOpener opener);

    /// <summary>
    /// The group a record is listed under for <see cref="InGroup"/> (e.g. its patient, or the prescription a dispense fills),
    /// so that a list of one group does not walk every record held; null (the default: the patient, if any) for none.
    /// </summary>
    protected virtual string? Group(Held held) => held.PatientId;

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (Open(value, opener) is not { } held) continue;
            lock (_lock)
            {
                if (_held.GetValueOrDefault(held.Key) is { } was)
                {
                    if (was.PatientId is { } wasPatient) _dataKeyed.Forget(wasPatient, held.Key);
                    if (Group(was) is { } wasGroup && _groups.TryGetValue(wasGroup, out var keys) && keys.Remove(held.Key) && keys.Count == 0) _groups.Remove(wasGroup);
                }
                _held[held.Key] = held;
                if (Group(held) is { } group)
                {
                    if (!_groups.TryGetValue(group, out var keys)) _groups[group] = keys = new(StringComparer.Ordinal);
                    keys.Add(held.Key);
                }
            }
            if (held.PatientId is { } patientId) _dataKeyed.Note(patientId, held.Key, held.Version, held.Sealed, Category);
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

    /// <summary>The views held in <paramref name="group"/> (<see cref="Group"/>), unordered (a snapshot): a lookup, not a walk.</summary>
    protected List<TView> InGroup(string group)
    {
        lock (_lock) return _groups.TryGetValue(group, out var keys) ? keys.Select(k => _held[k].View).ToList() : [];
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> DataKeyedVersions(string patientId) => _dataKeyed.Of(patientId);

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
