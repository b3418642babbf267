using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// The custodian organisation reviews a break-glass access: marks it reviewed or flags misuse. Signed by an admin of the
/// patient's organisation; once per access. Misuse ends the access at the review's block (its expiry becomes the block time).
/// </summary>
/// <param name="PatientId">The patient.</param>
/// <param name="AccessId">The access.</param>
/// <param name="Review"><see cref="BreakGlassReview.Reviewed"/> or <see cref="BreakGlassReview.Misuse"/>.</param>
public sealed record ReviewBreakGlassPayload(string PatientId, string AccessId, BreakGlassReview Review) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ReviewBreakGlass;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(PatientId).Text(AccessId).U8((byte)Review);
}

/// <summary>Executes <see cref="ReviewBreakGlassPayload"/>.</summary>
public sealed class ReviewBreakGlassHandler : TxKindHandler<ReviewBreakGlassPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ReviewBreakGlass;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out ReviewBreakGlassPayload payload)
    {
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.Text(out var access, Identifiers.MaxLength, "access id");
        r.U8(out var review);
        payload = new ReviewBreakGlassPayload(patient, access, (BreakGlassReview)review);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(ReviewBreakGlassPayload p)
    {
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.AccessId)) return Invalid("accessId", Identifiers.Rule);
        return p.Review is BreakGlassReview.Reviewed or BreakGlassReview.Misuse ? TxResult.Ok : Invalid("review", "must be reviewed or misuse");
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, ReviewBreakGlassPayload p)
    {
        if (BreakGlassState.Get(context.State, p.PatientId, p.AccessId) is not { } access) return TxResult.Reject(TxVerdict.NotFound, $"break-glass access '{p.AccessId}' does not exist");
        if (context.RequireAdminOf(access.CustodianId, "review a break-glass access to its patient") is { } denied) return denied;
        if (access.Review != BreakGlassReview.Pending) return TxResult.Reject(TxVerdict.Conflict, $"break-glass access '{p.AccessId}' was already reviewed");
        var reviewed = access with { Review = p.Review, ReviewedBy = context.SignerUser!.Id, ReviewedAt = context.Timestamp };
        // Misuse ends the access at this block: its expiry becomes the review's block time (never later than it was).
        if (p.Review == BreakGlassReview.Misuse) reviewed = reviewed with { ExpiresAt = Math.Min(access.ExpiresAt, Math.Max(context.Timestamp, access.GrantedAt)) };
        context.State.Set(BreakGlassState.Key(p.PatientId, p.AccessId), reviewed.Encode());
        return TxResult.Ok;
    }
}
