using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>Approves an expense pending approval (above the threshold when recorded): an admin of its organisation other than the one who recorded it; once (a second approval is a conflict). From then on it counts as spending.</summary>
/// <param name="ExpenseId">The expense.</param>
public sealed record ApproveExpensePayload(string ExpenseId) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ApproveExpense;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(ExpenseId);
}

/// <summary>Executes <see cref="ApproveExpensePayload"/>.</summary>
public sealed class ApproveExpenseHandler : TxKindHandler<ApproveExpensePayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ApproveExpense;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out ApproveExpensePayload payload)
    {
        r.Text(out var id, Identifiers.MaxLength, "expense id");
        payload = new ApproveExpensePayload(id);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(ApproveExpensePayload p) => ExpenseReview.IsValidId(p.ExpenseId) ? TxResult.Ok : Invalid("expenseId", Identifiers.Rule);

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, ApproveExpensePayload p) => ExpenseReview.Apply(context, tx, p.ExpenseId, ExpenseStatus.Approved);
}
