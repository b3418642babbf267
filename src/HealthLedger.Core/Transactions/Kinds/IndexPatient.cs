using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Sets what the custodian organisation indexes of one of its patients (<see cref="PatientIndexState"/>): the blind index of
/// the normalised full name and date of birth, the area tag, or both. The name index is set by an admin or a node of the
/// patient's organisation (the node keeps it current after registrations and demographics updates, and indexes patients
/// registered before it existed); the area tag only by an admin of that organisation. A part left null is kept.
/// Encoding: <c>patient id · parts u8 (1 name index, 2 area; 1 to 3) · [name index 32] · [area text]</c>.
/// </summary>
/// <param name="PatientId">The patient.</param>
/// <param name="NameIndex">The new name + date-of-birth blind index, or null to keep the current one.</param>
/// <param name="Area">The new area tag (a site code, or empty to untag), or null to keep the current one.</param>
public sealed record IndexPatientPayload(string PatientId, Hash256? NameIndex, string? Area) : TxPayload
{
    private const byte HasNameIndex = 1;
    private const byte HasArea = 2;

    /// <inheritdoc/>
    public override TxKind Kind => TxKind.IndexPatient;

    /// <summary>The parts byte of the encoding.</summary>
    public byte Parts => (byte)((NameIndex is null ? 0 : HasNameIndex) | (Area is null ? 0 : HasArea));

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(PatientId).U8(Parts);
        if (NameIndex is { } index) writer.Hash(index);
        if (Area is not null) writer.Text(Area);
    }

    internal static bool TryRead(ref CanonicalReader r, out IndexPatientPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "patient id");
        if (!r.U8(out var parts)) return false;
        if (parts is 0 or > (HasNameIndex | HasArea)) return r.Fail($"parts must be 1 to 3, got {parts}");
        Hash256? index = null;
        string? area = null;
        if ((parts & HasNameIndex) != 0)
        {
            if (!r.Hash(out var h, "name index")) return false;
            index = h;
        }
        if ((parts & HasArea) != 0)
        {
            r.Text(out var a, SiteCodes.MaxLength, "area");
            area = a;
        }
        payload = new IndexPatientPayload(id, index, area);
        return r.Error is null;
    }
}

/// <summary>Executes <see cref="IndexPatientPayload"/>.</summary>
public sealed class IndexPatientHandler : TxKindHandler<IndexPatientPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.IndexPatient;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out IndexPatientPayload payload) => IndexPatientPayload.TryRead(ref r, out payload);

    /// <inheritdoc/>
    protected override TxResult Validate(IndexPatientPayload p)
    {
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (p.Area is { Length: > 0 } area && !SiteCodes.IsValid(area)) return Invalid("area", SiteCodes.Rule);
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, IndexPatientPayload p)
    {
        if (context.GetPatient(p.PatientId) is not { } patient) return TxResult.Reject(TxVerdict.NotFound, $"patient '{p.PatientId}' does not exist");
        var custodianId = patient.OrganisationId;
        if (context.Signer is { Kind: SignerKind.Node } signer)
        {
            var node = context.State.TryGet(StateKeys.Node(signer.Id), out var bytes) ? NodeRecord.TryDecode(bytes) : null;
            if (node is null || node.OrganisationId != custodianId)
            {
                return TxResult.Reject(TxVerdict.Unauthorized, $"only an admin or a node of organisation '{custodianId}' indexes its patients");
            }
            if (p.Area is not null) return TxResult.Reject(TxVerdict.Unauthorized, $"only an admin of organisation '{custodianId}' sets a patient's area tag");
        }
        else if (context.RequireAdminOf(custodianId, "index its patients") is { } denied)
        {
            return denied;
        }

        var state = context.State;
        var current = PatientIndexState.Get(state, p.PatientId) ?? new PatientIndexState(null, "");
        var next = new PatientIndexState(p.NameIndex ?? current.NameIndex, p.Area ?? current.Area);
        if (current.NameIndex is { } old && old != next.NameIndex) state.Delete(PatientIndexState.NameKey(custodianId, old, p.PatientId));
        if (next.NameIndex is { } index) state.Set(PatientIndexState.NameKey(custodianId, index, p.PatientId), System.Text.Encoding.UTF8.GetBytes(p.PatientId));
        state.Set(PatientIndexState.Key(p.PatientId), next.Encode());
        return TxResult.Ok;
    }
}
