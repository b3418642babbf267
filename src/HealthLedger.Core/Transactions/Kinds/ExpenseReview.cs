using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>The rule both approving and rejecting an expense follow: an admin of its organisation who did not record it, while it is pending.</summary>
public static class ExpenseReview
{
    /// <summary>Sets expense <paramref name="expenseId"/> to <paramref name="decision"/>, or returns why not (nothing written).</summary>
    public static TxResult Apply(TxContext context, Transaction tx, string expenseId, ExpenseStatus decision)
    {
        var verb = decision == ExpenseStatus.Approved ? "approve" : "reject";
        var expense = context.State.TryGet(ExpenseState.Key(expenseId), out var bytes) ? ExpenseState.TryDecode(bytes) : null;
        if (expense is null) return TxResult.Reject(TxVerdict.NotFound, $"expenseId: expense '{expenseId}' does not exist");
        if (context.RequireAdminOf(expense.OrganisationId, $"{verb} its expenses") is { } denied) return denied;
        if (context.SignerUser!.Id == expense.RecordedBy) return TxResult.Reject(TxVerdict.Unauthorized, $"approver: the admin who recorded expense '{expenseId}' may not {verb} it; a second admin must");
        if (expense.Status != ExpenseStatus.PendingApproval)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"status: expense '{expenseId}' is {(expense.Status == ExpenseStatus.Approved ? "already approved" : "rejected")}, not pending approval");
        }
        context.State.Set(ExpenseState.Key(expenseId), (expense with
        {
            Status = decision,
            ReviewedBy = context.SignerUser.Id,
            ReviewProof = new RecordProof(tx.Id, context.Height, context.Timestamp),
        }).Encode());
        return TxResult.Ok;
    }

    /// <summary>The id rule both payloads check.</summary>
    public static bool IsValidId(string id) => Identifiers.IsValid(id);
}
