using HealthLedger.Core.Records;

namespace HealthLedger.Node.Records;

/// <summary>
/// One record kind's versions of patients' records that are sealed with their own data key and per-reader envelopes instead
/// of under the patient's category key (<see cref="SealedRecordRef.KeyWrap"/> null: records written before the key
/// hierarchy, or before the patient's category had a key). They are the only versions a grant re-wraps one by one
/// (<c>ConsentService.GrantKeys</c>); every later one is reached through the category key the grant carries. Kept per
/// patient as the kind loads its records, so a grant looks them up instead of walking the patient's history (or every
/// patient's): on a network written since the key hierarchy this stays empty. Thread-safe.
/// </summary>
public sealed class DataKeyedVersions
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<(string RecordId, int Version), SealedVersion>> _byPatient = new(StringComparer.Ordinal);

    /// <summary>
    /// Notes a version the kind now holds: kept when it is sealed with its own data key in a consent category, dropped
    /// (if it was kept) when it is under a category key. Idempotent.
    /// </summary>
    /// <param name="patientId">The patient the record belongs to.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="version">The version.</param>
    /// <param name="reference">Its sealed reference.</param>
    /// <param name="category">Its single consent category.</param>
    public void Note(string patientId, string recordId, int version, SealedRecordRef reference, ConsentCategories category)
    {
        if (reference.KeyWrap is not null || category == ConsentCategories.None)
        {
            NoteUnderCategoryKey(patientId, recordId, version);
            return;
        }
        lock (_lock)
        {
            if (!_byPatient.TryGetValue(patientId, out var versions)) _byPatient[patientId] = versions = [];
            versions[(recordId, version)] = new SealedVersion(recordId, version, reference, category); // allocated only for the few kept
        }
    }

    /// <summary>
    /// <see cref="Note"/> for a version known to be sealed under a category key (or of no category), without its reference
    /// (the load at start keeps only the references of data-keyed versions): forgets the version if it was kept. Idempotent.
    /// </summary>
    public void NoteUnderCategoryKey(string patientId, string recordId, int version)
    {
        lock (_lock)
        {
            if (_byPatient.TryGetValue(patientId, out var versions) && versions.Remove((recordId, version)) && versions.Count == 0) _byPatient.Remove(patientId);
        }
    }

    /// <summary>
    /// Forgets every version of <paramref name="recordId"/> (a kind that holds only a record's latest version calls this
    /// before it notes the new one). Costs nothing for a patient with no data-keyed version.
    /// </summary>
    public void Forget(string patientId, string recordId)
    {
        lock (_lock)
        {
            if (!_byPatient.TryGetValue(patientId, out var versions)) return;
            foreach (var key in versions.Keys.Where(k => k.RecordId == recordId).ToList()) versions.Remove(key);
            if (versions.Count == 0) _byPatient.Remove(patientId);
        }
    }

    /// <summary>Whether the given version of the patient's record is held as sealed with its own data key.</summary>
    public bool Holds(string patientId, string recordId, int version)
    {
        lock (_lock) return _byPatient.TryGetValue(patientId, out var versions) && versions.ContainsKey((recordId, version));
    }

    /// <summary>The patient's data-keyed versions of this kind (a snapshot, in no particular order; usually empty).</summary>
    public IReadOnlyList<SealedVersion> Of(string patientId)
    {
        lock (_lock) return _byPatient.TryGetValue(patientId, out var versions) ? versions.Values.ToList() : [];
    }
}
