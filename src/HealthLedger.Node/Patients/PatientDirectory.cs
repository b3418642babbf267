using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Patients;

/// <summary>The patients of the read model (state <c>patient/&lt;id&gt;</c>, current version of the demographics), decrypted in memory only.</summary>
public sealed class PatientDirectory : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PatientView> _patients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PatientState> _states = new(StringComparer.Ordinal);
    private readonly PatientSearchIndex _index = new();
    private readonly DataKeyedVersions _dataKeyed = new();

    /// <inheritdoc/>
    public string StatePrefix => "patient/";

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload switch
    {
        RegisterPatientPayload p => [StateKeys.Patient(p.PatientId)],
        UpdateRecordPayload { Subject: RecordSubject.Patient } u => [StateKeys.Patient(u.Id)],
        _ => [],
    };

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        var states = RecordOpener.DecodeAll(entries, (b, _) => PatientState.TryDecode(b)).ToList();
        // Many at once (the load at start): ciphertexts read in batches, decrypted on every core; a block's few one after the other.
        var present = states.OfType<PatientState>().ToList();
        var openedPresent = opener.OpenAll<PatientDetails>(present.Select(s => (s.Id, s.Version, s.Record, s.Id)).ToList());
        var opened = new PatientDetails?[states.Count];
        for (int i = 0, j = 0; i < states.Count; i++)
        {
            if (states[i] is not null) opened[i] = openedPresent[j++];
        }
        // Many at once: the sorted orders are rebuilt on next use rather than kept patient by patient.
        if (states.Count >= 256)
        {
            lock (_lock) _index.DropOrders();
        }
        for (var i = 0; i < states.Count; i++)
        {
            if (states[i] is not { } state) continue;
            var details = opened[i];
            lock (_lock)
            {
                _states[state.Id] = state;
                _dataKeyed.Forget(state.Id, state.Id);
                _dataKeyed.Note(state.Id, state.Id, state.Version, state.Record, ConsentCategories.Demographics);
                if (details is not null) Keep(new PatientView(state.Id, state.OrganisationId, state.Version, details, state.Proof));
                // A patient of another organisation who shared other categories than demographics with a grantee here: known
                // by id, with no details (the access policy decides what each reader sees).
                else if (opener.ForGrantee && (!_patients.TryGetValue(state.Id, out var known) || known.Version != state.Version))
                {
                    Keep(new PatientView(state.Id, state.OrganisationId, state.Version, new PatientDetails(), state.Proof));
                }
            }
        }
    }

    // Under the lock: the view and its search index entries change together.
    private void Keep(PatientView view)
    {
        _patients[view.Id] = view;
        _index.Set(view);
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId)
    {
        lock (_lock)
        {
            return _states.TryGetValue(patientId, out var state) ? [new SealedVersion(patientId, state.Version, state.Record, ConsentCategories.Demographics)] : [];
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> DataKeyedVersions(string patientId) => _dataKeyed.Of(patientId);

    /// <summary>A patient, or null.</summary>
    public PatientView? Patient(string id)
    {
        lock (_lock) return _patients.GetValueOrDefault(id);
    }

    /// <summary>Every patient this node could open: its organisation's, and other organisations' whom a grant let it open.</summary>
    public IReadOnlyList<PatientView> AllPatients()
    {
        lock (_lock) return _patients.Values.ToList();
    }

    /// <summary>All patients of an organisation.</summary>
    public IReadOnlyList<PatientView> Patients(string organisationId)
    {
        lock (_lock) return _patients.Values.Where(p => p.OrganisationId == organisationId).ToList();
    }

    /// <summary>
    /// The patients a search box query matches (<see cref="PatientSearchIndex"/>: every folded query token a prefix of a name
    /// token, the MRN starting with the query, or the id), as the node sees them, in no order; every organisation's.
    /// </summary>
    public IReadOnlyList<PatientView> Search(string query)
    {
        lock (_lock) return _index.Search(query, out _);
    }

    /// <summary>An organisation's patients in <paramref name="sort"/> order (ascending, ties by id): a snapshot, kept sorted as the directory changes.</summary>
    public IReadOnlyList<PatientView> Sorted(string organisationId, PatientSort sort)
    {
        lock (_lock) return _index.Sorted(organisationId, sort);
    }

    /// <summary>The ids of the patients with a word of the name that starts with <paramref name="foldedWord"/> (<see cref="TextFolding.Fold"/>ed, letters and digits only).</summary>
    public HashSet<string> NameWordStarting(string foldedWord)
    {
        lock (_lock) return _index.NameWordStarting(foldedWord);
    }

    /// <summary>The ids of the patients whose MRN is <paramref name="mrn"/> (without case): every organisation's.</summary>
    public HashSet<string> WithMrn(string mrn)
    {
        lock (_lock) return _index.WithMrn(mrn);
    }
}
