using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>The patient revokes a grant. From this block on, the grantee reaches nothing more and gets no key to new data.</summary>
/// <param name="GrantId">The grant.</param>
/// <param name="PatientId">The patient.</param>
public sealed record RevokeAccessPayload(string GrantId, string PatientId) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RevokeAccess;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(GrantId).Text(PatientId);
}

/// <summary>Executes <see cref="RevokeAccessPayload"/>.</summary>
public sealed class RevokeAccessHandler : TxKindHandler<RevokeAccessPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RevokeAccess;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RevokeAccessPayload payload)
    {
        r.Text(out var id, Identifiers.MaxLength, "grant id");
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        payload = new RevokeAccessPayload(id, patient);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RevokeAccessPayload p) =>
        Identifiers.IsValid(p.GrantId) && Identifiers.IsValid(p.PatientId) ? TxResult.Ok : Invalid("grantId", Identifiers.Rule);

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RevokeAccessPayload p)
    {
        if (context.SignerUser is not { Role: Role.Patient } signer || signer.Id != p.PatientId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only the patient may revoke their grants");
        }
        var grant = context.State.TryGet(StateKeys.Grant(p.PatientId, p.GrantId), out var bytes) ? GrantState.TryDecode(bytes) : null;
        if (grant is null) return TxResult.Reject(TxVerdict.NotFound, $"grant '{p.GrantId}' does not exist");
        if (grant.RevokedAt != 0) return TxResult.Reject(TxVerdict.Conflict, "the grant is already revoked");
        context.State.Set(StateKeys.Grant(p.PatientId, p.GrantId), (grant with { RevokedAt = context.Timestamp }).Encode());
        return TxResult.Ok;
    }
}
