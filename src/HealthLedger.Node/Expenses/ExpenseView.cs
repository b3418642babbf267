using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Node.Expenses;

/// <summary>
/// An expense as the read model holds it: the chain's plaintext fields (amount and threshold in the hospital's currency,
/// converted from minor units), the decrypted details, and the sealed invoice reference (opened only on download).
/// </summary>
public sealed record ExpenseView(string Id, string OrganisationId, DateOnly Date, string Category, string Department, decimal Amount, string PaymentMethod,
    decimal Threshold, ExpenseStatus Status, string RecordedBy, string ReviewedBy, Hash256? InvoiceSha256, SealedRecordRef? Invoice, ExpenseDetails Details,
    RecordProof Proof, RecordProof? ReviewProof)
{
    /// <summary>True when it counts as spending.</summary>
    public bool IsApproved => Status == ExpenseStatus.Approved;

    /// <summary>"approved", "awaiting approval" or "rejected", as pages and the API show it.</summary>
    public string StatusText => Status switch
    {
        ExpenseStatus.Approved => "approved",
        ExpenseStatus.PendingApproval => "awaiting approval",
        _ => "rejected",
    };
}
