using HealthLedger.Core.Crypto;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A node of a custodian organisation in an emergency's scope, acting automatically under the declared policy, wraps its
/// patients' category keys (the emergency's categories, every epoch) for an admitted rescuer organisation, and optionally
/// its MRN lookup key. Done when the declaration commits (and for epochs opened while it is in force), so the rescuer's
/// node can serve a break-glass read while the custodian's node is down. The keys are only ever released to a medic by the
/// rescuer's node after a valid <see cref="TxKind.BreakGlass"/> commits (see docs/architecture.md, "Emergencies and break-glass").
/// Each wrapped epoch is marked (<see cref="EmergencyKey.EpochKey"/>): once the emergency is over, the patient's next record
/// of that category must open a new epoch (<see cref="CategoryKeyRules"/>), so the rescuers cannot read later records.
/// </summary>
/// <param name="EmergencyId">The emergency.</param>
/// <param name="RescuerOrganisationId">The admitted rescuer organisation.</param>
/// <param name="Keys">The wrapped category keys (0 to 1024), each for a patient of the signer's organisation.</param>
/// <param name="Lookup">The organisation's blind-index key wrapped for the rescuer organisation, or null.</param>
public sealed record WrapEmergencyKeysPayload(string EmergencyId, string RescuerOrganisationId, IReadOnlyList<EmergencyKey> Keys, Envelope? Lookup) : TxPayload
{
    /// <summary>Most keys in one transaction.</summary>
    public const int MaxKeys = 1024;

    /// <inheritdoc/>
    public override TxKind Kind => TxKind.WrapEmergencyKeys;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(EmergencyId).Text(RescuerOrganisationId).VarUInt((ulong)Keys.Count);
        foreach (var k in Keys)
        {
            writer.Text(k.PatientId).U8((byte)k.Category).VarUInt((ulong)k.Epoch);
            k.Envelope.Write(writer);
        }
        writer.Bool(Lookup is not null);
        Lookup?.Write(writer);
    }

    /// <inheritdoc/>
    public bool Equals(WrapEmergencyKeysPayload? other) => other is not null && EmergencyId == other.EmergencyId
        && RescuerOrganisationId == other.RescuerOrganisationId && Keys.SequenceEqual(other.Keys) && Equals(Lookup, other.Lookup);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(EmergencyId, RescuerOrganisationId, Keys.Count);
}

/// <summary>Executes <see cref="WrapEmergencyKeysPayload"/>.</summary>
public sealed class WrapEmergencyKeysHandler : TxKindHandler<WrapEmergencyKeysPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.WrapEmergencyKeys;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out WrapEmergencyKeysPayload payload)
    {
        payload = null!;
        r.Text(out var emergency, Identifiers.MaxLength, "emergency id");
        r.Text(out var rescuer, Identifiers.MaxLength, "rescuer organisation id");
        if (!r.VarInt32(out var count, WrapEmergencyKeysPayload.MaxKeys, "key count")) return false;
        var keys = new EmergencyKey[count];
        for (var i = 0; i < count; i++)
        {
            r.Text(out var patient, Identifiers.MaxLength, "patient id");
            r.U8(out var category);
            r.VarInt32(out var epoch, CategoryKeyWrap.MaxEpoch, "epoch");
            if (!Envelope.TryRead(ref r, out var envelope)) return false;
            keys[i] = new EmergencyKey(patient, (ConsentCategories)category, epoch, envelope);
        }
        Envelope? lookup = null;
        if (r.Bool(out var hasLookup) && hasLookup && !Envelope.TryRead(ref r, out lookup)) return false;
        payload = new WrapEmergencyKeysPayload(emergency, rescuer, keys, lookup);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(WrapEmergencyKeysPayload p)
    {
        if (!Identifiers.IsValid(p.EmergencyId)) return Invalid("emergencyId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.RescuerOrganisationId)) return Invalid("rescuerOrganisationId", Identifiers.Rule);
        if (p.Keys.Count == 0 && p.Lookup is null) return Invalid("keys", "wrap at least one key");
        foreach (var k in p.Keys)
        {
            if (!Identifiers.IsValid(k.PatientId)) return Invalid("keys.patientId", Identifiers.Rule);
            if (!CategoryKeyState.IsSingle(k.Category) || !EmergencyCategories.IsWithin(k.Category)) return Invalid("keys.category", EmergencyCategories.Rule);
            if (k.Epoch < 1) return Invalid("keys.epoch", "epochs start at 1");
        }
        return p.Keys.Select(k => (k.PatientId, k.Category, k.Epoch)).Distinct().Count() == p.Keys.Count ? TxResult.Ok : Invalid("keys", "a key appears twice");
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, WrapEmergencyKeysPayload p)
    {
        if (context.SignerNode is not { } node)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only a node of a custodian organisation wraps emergency keys");
        }
        var custodianId = node.OrganisationId;
        if (EmergencyState.Get(context.State, p.EmergencyId) is not { } emergency) return TxResult.Reject(TxVerdict.NotFound, $"emergency '{p.EmergencyId}' does not exist");
        if (emergency.EndsAt <= context.Timestamp) return TxResult.Reject(TxVerdict.Conflict, $"emergency '{emergency.Id}' is over");
        if (!emergency.Covers(custodianId)) return TxResult.Reject(TxVerdict.Unauthorized, $"organisation '{custodianId}' is outside the scope of emergency '{emergency.Id}'");
        if (!emergency.Admits(p.RescuerOrganisationId)) return TxResult.Reject(TxVerdict.Unauthorized, $"organisation '{p.RescuerOrganisationId}' is not admitted as a rescuer in emergency '{emergency.Id}'");
        if (context.GetOrganisation(p.RescuerOrganisationId) is not { Status: OrganisationStatus.Active } rescuer)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"organisation '{p.RescuerOrganisationId}' is not an active member");
        }
        foreach (var k in p.Keys)
        {
            if ((k.Category & ~emergency.Categories) != 0) return TxResult.Reject(TxVerdict.InvalidField, $"keys.category: emergency '{emergency.Id}' does not open {k.Category}");
            if (context.GetPatient(k.PatientId) is not { } patient || patient.OrganisationId != custodianId)
            {
                return TxResult.Reject(TxVerdict.NotFound, $"keys.patientId: '{k.PatientId}' is not a patient of organisation '{custodianId}'");
            }
            if (!emergency.CoversPatient(context.State, patient))
            {
                return TxResult.Reject(TxVerdict.Unauthorized, $"keys.patientId: '{k.PatientId}' is outside the area '{emergency.Area}' of emergency '{emergency.Id}'");
            }
            if (CategoryKeyState.Get(context.State, k.PatientId, k.Category, k.Epoch) is null) return TxResult.Reject(TxVerdict.NotFound, $"keys: the patient has no {k.Category} key of epoch {k.Epoch}");
            if (k.Envelope.Recipient != rescuer.EncryptionKey) return TxResult.Reject(TxVerdict.InvalidField, "keys.envelope: not wrapped for the rescuer organisation");
        }
        if (p.Lookup is { } lookup && lookup.Recipient != rescuer.EncryptionKey) return TxResult.Reject(TxVerdict.InvalidField, "lookup: not wrapped for the rescuer organisation");
        foreach (var k in p.Keys)
        {
            var w = new CanonicalWriter(128);
            k.Envelope.Write(w);
            context.State.Set(EmergencyKey.StateKey(emergency.Id, rescuer.Id, k.PatientId, k.Category, k.Epoch), w.ToArray());
            ReleasedEpochs.MarkForEmergency(context.State, k.PatientId, k.Category, k.Epoch, emergency.Id);
        }
        if (p.Lookup is { } wrapped)
        {
            var w = new CanonicalWriter(128);
            wrapped.Write(w);
            context.State.Set(EmergencyKey.LookupKey(emergency.Id, rescuer.Id, custodianId), w.ToArray());
        }
        return TxResult.Ok;
    }
}
