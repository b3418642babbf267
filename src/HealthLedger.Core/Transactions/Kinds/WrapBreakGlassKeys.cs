using HealthLedger.Core.Crypto;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// The custodian organisation's node, acting automatically under the declared policy, wraps a patient's category keys for
/// the doctor of another member organisation who broke the glass outside an emergency (<see cref="TxKind.BreakGlass"/>
/// without an emergency id): the access's categories, the epochs that exist, each for the doctor's own X25519 key
/// (<see cref="BreakGlassKey"/>), so the doctor's node opens the emergency summary with the doctor's session key. Accepted
/// only from a node of the patient's organisation, for an access without an emergency by a doctor of another organisation,
/// in force at block time, once per category and epoch. Each wrapped epoch is marked (<see cref="ReleasedEpochs"/>): once the
/// access has expired, the patient's next record of that category opens a new epoch without the doctor.
/// </summary>
/// <param name="PatientId">The patient.</param>
/// <param name="AccessId">The break-glass access (unique per patient).</param>
/// <param name="Keys">The wrapped category keys (1 to <see cref="MaxKeys"/>).</param>
public sealed record WrapBreakGlassKeysPayload(string PatientId, string AccessId, IReadOnlyList<BreakGlassKey> Keys) : TxPayload
{
    /// <summary>Most keys in one transaction.</summary>
    public const int MaxKeys = 1024;

    /// <inheritdoc/>
    public override TxKind Kind => TxKind.WrapBreakGlassKeys;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(PatientId).Text(AccessId).VarUInt((ulong)Keys.Count);
        foreach (var k in Keys)
        {
            writer.U8((byte)k.Category).VarUInt((ulong)k.Epoch);
            k.Envelope.Write(writer);
        }
    }

    /// <inheritdoc/>
    public bool Equals(WrapBreakGlassKeysPayload? other) => other is not null && PatientId == other.PatientId && AccessId == other.AccessId && Keys.SequenceEqual(other.Keys);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(PatientId, AccessId, Keys.Count);
}

/// <summary>Executes <see cref="WrapBreakGlassKeysPayload"/>.</summary>
public sealed class WrapBreakGlassKeysHandler : TxKindHandler<WrapBreakGlassKeysPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.WrapBreakGlassKeys;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out WrapBreakGlassKeysPayload payload)
    {
        payload = null!;
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.Text(out var access, Identifiers.MaxLength, "access id");
        if (!r.VarInt32(out var count, WrapBreakGlassKeysPayload.MaxKeys, "key count")) return false;
        var keys = new BreakGlassKey[count];
        for (var i = 0; i < count; i++)
        {
            r.U8(out var category);
            r.VarInt32(out var epoch, CategoryKeyWrap.MaxEpoch, "epoch");
            if (!Envelope.TryRead(ref r, out var envelope)) return false;
            keys[i] = new BreakGlassKey((ConsentCategories)category, epoch, envelope);
        }
        payload = new WrapBreakGlassKeysPayload(patient, access, keys);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(WrapBreakGlassKeysPayload p)
    {
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.AccessId)) return Invalid("accessId", Identifiers.Rule);
        if (p.Keys.Count == 0) return Invalid("keys", "wrap at least one key");
        foreach (var k in p.Keys)
        {
            if (!CategoryKeyState.IsSingle(k.Category) || !EmergencyCategories.IsWithin(k.Category)) return Invalid("keys.category", EmergencyCategories.Rule);
            if (k.Epoch < 1) return Invalid("keys.epoch", "epochs start at 1");
        }
        return p.Keys.Select(k => (k.Category, k.Epoch)).Distinct().Count() == p.Keys.Count ? TxResult.Ok : Invalid("keys", "a key appears twice");
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, WrapBreakGlassKeysPayload p)
    {
        if (context.SignerNode is not { } node)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only a node of the patient's organisation wraps break-glass keys");
        }
        if (BreakGlassState.Get(context.State, p.PatientId, p.AccessId) is not { } access)
        {
            return TxResult.Reject(TxVerdict.NotFound, $"accessId: patient '{p.PatientId}' has no break-glass access '{p.AccessId}'");
        }
        if (node.OrganisationId != access.CustodianId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"only a node of the patient's organisation '{access.CustodianId}' wraps its keys, not one of '{node.OrganisationId}'");
        }
        if (access.EmergencyId.Length != 0)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"accessId: access '{access.Id}' is under emergency '{access.EmergencyId}', whose keys are wrapped for the rescuer organisations");
        }
        if (access.ActorOrganisationId == access.CustodianId)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"accessId: access '{access.Id}' is by a doctor of the patient's own organisation, whose node reads with the organisation's key");
        }
        if (!access.IsActiveAt(context.Timestamp)) return TxResult.Reject(TxVerdict.Conflict, $"accessId: access '{access.Id}' is not in force (it expired)");
        if (context.GetUser(access.ActorId) is not { } doctor) return TxResult.Reject(TxVerdict.NotFound, $"user '{access.ActorId}' does not exist");
        foreach (var k in p.Keys)
        {
            if ((k.Category & ~access.Categories) != 0) return TxResult.Reject(TxVerdict.InvalidField, $"keys.category: access '{access.Id}' does not open {k.Category}");
            if (CategoryKeyState.Get(context.State, p.PatientId, k.Category, k.Epoch) is null) return TxResult.Reject(TxVerdict.NotFound, $"keys: the patient has no {k.Category} key of epoch {k.Epoch}");
            if (k.Envelope.Recipient != doctor.EncryptionKey) return TxResult.Reject(TxVerdict.InvalidField, $"keys.envelope: not wrapped for the key of '{doctor.Id}', who broke the glass");
            if (context.State.Contains(BreakGlassKey.StateKey(p.PatientId, access.Id, k.Category, k.Epoch)))
            {
                return TxResult.Reject(TxVerdict.AlreadyExists, $"keys: the {k.Category} key of epoch {k.Epoch} is already wrapped for access '{access.Id}'");
            }
        }
        foreach (var k in p.Keys)
        {
            var w = new CanonicalWriter(128);
            k.Envelope.Write(w);
            context.State.Set(BreakGlassKey.StateKey(p.PatientId, access.Id, k.Category, k.Epoch), w.ToArray());
            ReleasedEpochs.MarkForBreakGlass(context.State, k.Category, k.Epoch, access);
        }
        return TxResult.Ok;
    }
}
