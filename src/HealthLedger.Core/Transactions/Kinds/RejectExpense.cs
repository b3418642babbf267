using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>Rejects an expense pending approval: an admin of its organisation other than the one who recorded it; it never counts as spending.</summary>
/// <param name="ExpenseId">The expense.</param>
public sealed record RejectExpensePayload(string ExpenseId) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RejectExpense;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(ExpenseId);
}

/// <summary>Executes <see cref="RejectExpensePayload"/>.</summary>
public sealed class RejectExpenseHandler : TxKindHandler<RejectExpensePayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RejectExpense;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RejectExpensePayload payload)
    {
        r.Text(out var id, Identifiers.MaxLength, "expense id");
        payload = new RejectExpensePayload(id);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RejectExpensePayload p) => ExpenseReview.IsValidId(p.ExpenseId) ? TxResult.Ok : Invalid("expenseId", Identifiers.Rule);

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RejectExpensePayload p) => ExpenseReview.Apply(context, tx, p.ExpenseId, ExpenseStatus.Rejected);
}
