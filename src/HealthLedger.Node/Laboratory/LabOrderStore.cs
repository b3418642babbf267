using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Laboratory;

/// <summary>
/// The lab orders of the read model (state <c>laborder/&lt;id&gt;</c>), every step decrypted in memory only; covered by the
/// <c>laboratory</c> consent category (a grant re-wraps every step of the patient's orders).
/// </summary>
public sealed class LabOrderStore : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (LabOrderView View, LabOrderState State)> _orders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _awaitingCharge = new(StringComparer.Ordinal);
    private readonly DataKeyedVersions _dataKeyed = new();
    private readonly Dictionary<string, HashSet<string>> _byPatient = new(StringComparer.Ordinal); // order ids

    /// <inheritdoc/>
    public string StatePrefix => LabOrderState.Prefix;

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload switch
    {
        PlaceLabOrderPayload p => [LabOrderState.Key(p.OrderId)],
        RecordLabSpecimenPayload s => [LabOrderState.Key(s.OrderId)],
        EnterLabResultsPayload r => [LabOrderState.Key(r.OrderId)],
        ValidateLabResultsPayload v => [LabOrderState.Key(v.OrderId)],
        PostLabChargePayload c => [LabOrderState.Key(c.OrderId)], // marks the order charged (no new step)
        _ => [],
    };

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (LabOrderState.TryDecode(value) is not { } state) continue;
            (LabOrderView View, LabOrderState State) known;
            lock (_lock) known = _orders.GetValueOrDefault(state.OrderId);
            var steps = new List<LabStepView>(state.Steps.Count);
            for (var i = 0; i < state.Steps.Count; i++)
            {
                var step = state.Steps[i];
                // A step already opened (each write of an order adds one step and keeps the others' ciphertexts) is not opened
                // again: the same ciphertext has the same plaintext. Only the new step is decrypted.
                if (known.State is { } was && i < was.Steps.Count && i < known.View.Steps.Count && was.Steps[i].Record.CiphertextHash == step.Record.CiphertextHash)
                {
                    steps.Add(new LabStepView(step.Step, i + 1, step.AuthorId, known.View.Steps[i].Content, step.Proof));
                    continue;
                }
                if (opener.Open<LabStepContent>(state.OrderId, i + 1, step.Record) is not { } content) break;
                steps.Add(new LabStepView(step.Step, i + 1, step.AuthorId, content, step.Proof));
            }
            if (steps.Count != state.Steps.Count) continue;
            var view = new LabOrderView(state.OrderId, state.PatientId, state.LabOrganisationId, state.DoctorId, state.SpecimenId, state.ChargeEntryId, state.Status, steps);
            lock (_lock)
            {
                _orders[state.OrderId] = (view, state);
                if (!_byPatient.TryGetValue(state.PatientId, out var ids)) _byPatient[state.PatientId] = ids = new(StringComparer.Ordinal);
                ids.Add(state.OrderId);
                if (state.ChargeEntryId.Length == 0 && state.Steps.Any(s => s.Step == LabOrderStatus.Validated)) _awaitingCharge.Add(state.OrderId);
                else _awaitingCharge.Remove(state.OrderId);
            }
            for (var i = 0; i < state.Steps.Count; i++) _dataKeyed.Note(state.PatientId, state.OrderId, i + 1, state.Steps[i].Record, ConsentCategories.Laboratory);
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId)
    {
        lock (_lock)
        {
            return _orders.Values.Where(o => o.State.PatientId == patientId)
                .SelectMany(o => o.State.Steps.Select((s, i) => new SealedVersion(o.State.OrderId, i + 1, s.Record, ConsentCategories.Laboratory))).ToList();
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> DataKeyedVersions(string patientId) => _dataKeyed.Of(patientId);

    /// <summary>One order, or null.</summary>
    public LabOrderView? Find(string orderId)
    {
        lock (_lock) return _orders.TryGetValue(orderId, out var o) ? o.View : null;
    }

    /// <summary>
    /// The orders validated at least once that carry no charge: those of another organisation's laboratory until the
    /// patient's organisation charges them (<see cref="LabChargePoster"/>), which then leave the set; it does not grow
    /// with the history.
    /// </summary>
    public IReadOnlyList<LabOrderView> AwaitingCharge()
    {
        lock (_lock) return _awaitingCharge.Select(id => _orders[id].View).ToList();
    }

    /// <summary>A patient's orders, latest ordered first (a lookup, not a walk over every order).</summary>
    public IReadOnlyList<LabOrderView> ForPatient(string patientId)
    {
        lock (_lock)
        {
            return _byPatient.TryGetValue(patientId, out var ids)
                ? ids.Select(id => _orders[id].View).OrderByDescending(o => o.Steps[0].Proof.Height).ThenBy(o => o.Id, StringComparer.Ordinal).ToList()
                : [];
        }
    }

    /// <summary>Every order matching <paramref name="filter"/>, latest ordered first.</summary>
    public IReadOnlyList<LabOrderView> Where(Func<LabOrderView, bool> filter)
    {
        lock (_lock) return _orders.Values.Select(o => o.View).Where(filter).OrderByDescending(o => o.Steps[0].Proof.Height).ThenBy(o => o.Id, StringComparer.Ordinal).ToList();
    }
}
