using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Sets an organisation's expense approval threshold (minor units of the hospital's currency, 0 to
/// <see cref="Expenses.MaxAmountMinor"/>): an expense above it waits for a second admin. Signed by an admin of the
/// organisation; applies to expenses recorded from the next transaction on (earlier ones keep their status).
/// </summary>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="ThresholdMinor">The threshold in minor units.</param>
public sealed record SetExpensePolicyPayload(string OrganisationId, long ThresholdMinor) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.SetExpensePolicy;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(OrganisationId).VarUInt((ulong)ThresholdMinor);
}

/// <summary>Executes <see cref="SetExpensePolicyPayload"/>.</summary>
public sealed class SetExpensePolicyHandler : TxKindHandler<SetExpensePolicyPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.SetExpensePolicy;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out SetExpensePolicyPayload payload)
    {
        r.Text(out var org, Identifiers.MaxLength, "organisation id");
        r.VarUInt(out var threshold, ulong.MaxValue, "threshold");
        payload = new SetExpensePolicyPayload(org, threshold > long.MaxValue ? -1 : (long)threshold);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(SetExpensePolicyPayload p)
    {
        if (!Identifiers.IsValid(p.OrganisationId)) return Invalid("organisationId", Identifiers.Rule);
        if (p.ThresholdMinor is < 0 or > Expenses.MaxAmountMinor) return Invalid("threshold", "must be 0 to 100,000,000.00");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, SetExpensePolicyPayload p)
    {
        if (context.RequireAdminOf(p.OrganisationId, "set its expense approval threshold") is { } denied) return denied;
        context.State.Set(Expenses.PolicyKey(p.OrganisationId), Expenses.EncodeThreshold(p.ThresholdMinor));
        return TxResult.Ok;
    }
}
