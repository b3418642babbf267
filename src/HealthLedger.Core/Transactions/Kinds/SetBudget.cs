using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Sets (or replaces) a department's budget for one month: amount in minor units, 0 to <see cref="Expenses.MaxAmountMinor"/>.
/// Signed by an accountant or an admin of the organisation.
/// </summary>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="Month">The month as yyyymm (2000-01 to 9999-12).</param>
/// <param name="Department">The department (<see cref="Expenses.DepartmentRule"/>).</param>
/// <param name="AmountMinor">The budget in minor units.</param>
public sealed record SetBudgetPayload(string OrganisationId, int Month, string Department, long AmountMinor) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.SetBudget;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(OrganisationId).VarUInt((ulong)Month).Text(Department).VarUInt((ulong)AmountMinor);
}

/// <summary>Executes <see cref="SetBudgetPayload"/>.</summary>
public sealed class SetBudgetHandler : TxKindHandler<SetBudgetPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.SetBudget;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out SetBudgetPayload payload)
    {
        r.Text(out var org, Identifiers.MaxLength, "organisation id");
        r.VarInt32(out var month, int.MaxValue, "month");
        r.Text(out var department, 256, "department");
        r.VarUInt(out var amount, ulong.MaxValue, "amount");
        payload = new SetBudgetPayload(org, month, department, amount > long.MaxValue ? -1 : (long)amount);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(SetBudgetPayload p)
    {
        if (!Identifiers.IsValid(p.OrganisationId)) return Invalid("organisationId", Identifiers.Rule);
        if (!Expenses.IsMonth(p.Month)) return Invalid("month", "must be a month yyyy-MM from 2000-01");
        if (!Expenses.IsDepartment(p.Department)) return Invalid("department", Expenses.DepartmentRule);
        if (p.AmountMinor is < 0 or > Expenses.MaxAmountMinor) return Invalid("amount", "must be 0 to 100,000,000.00");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, SetBudgetPayload p)
    {
        if (ExpenseStaff.Require(context, p.OrganisationId, "set its budgets") is { } denied) return denied;
        context.State.Set(BudgetState.Key(p.OrganisationId, p.Month, p.Department),
            new BudgetState(p.OrganisationId, p.Month, p.Department.Trim(), p.AmountMinor, context.SignerUser!.Id, new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        return TxResult.Ok;
    }
}
