using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>Who keeps an organisation's expenses and budgets: its accountants and its admins (approvals: admins only).</summary>
public static class ExpenseStaff
{
    /// <summary>Null when the signer is an accountant or an admin of <paramref name="organisationId"/>; otherwise the rejection.</summary>
    public static TxResult? Require(TxContext context, string organisationId, string action) =>
        context.SignerUser is { Role: Role.Accountant or Role.Admin } user && user.OrganisationId == organisationId
            ? null
            : TxResult.Reject(TxVerdict.Unauthorized, $"only an accountant or an admin of organisation '{organisationId}' may {action}");
}
