using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>Who keeps an organisation's pharmacy (formulary, stock): its pharmacists and its admins.</summary>
public static class PharmacyStaff
{
    /// <summary>Null when the signer is a pharmacist or an admin of <paramref name="organisationId"/>; otherwise the rejection.</summary>
    public static TxResult? Require(TxContext context, string organisationId, string action) =>
        context.SignerUser is { Role: Role.Pharmacist or Role.Admin } user && user.OrganisationId == organisationId
            ? null
            : TxResult.Reject(TxVerdict.Unauthorized, $"only a pharmacist or an admin of organisation '{organisationId}' may {action}");
}
