using HealthLedger.Node.Web;

namespace HealthLedger.Node.Expenses;

/// <summary>
/// An expense as the API shows it: amounts in the hospital's currency; status "approved", "awaiting approval" or
/// "rejected"; invoiceSha256 (hex) of the invoice file's plaintext as on the chain, or null; reviewedBy "" until an admin approves or rejects.
/// </summary>
public sealed record ExpenseResponse(string Id, DateOnly Date, string Category, string Department, decimal Amount, string PaymentMethod, string Vendor, string Description,
    string Status, decimal Threshold, string RecordedBy, string ReviewedBy, string? InvoiceFileName, string? InvoiceSha256, ProofResponse Proof, ProofResponse? Review)
{
    public static ExpenseResponse From(ExpenseView x) => new(x.Id, x.Date, x.Category, x.Department, x.Amount, x.PaymentMethod, x.Details.Vendor, x.Details.Description,
        x.StatusText, x.Threshold, x.RecordedBy, x.ReviewedBy, x.Invoice is null ? null : x.Details.InvoiceFileName, x.InvoiceSha256?.ToString(), ProofResponse.From(x.Proof),
        x.ReviewProof is { } review ? ProofResponse.From(review) : null);
}

/// <summary>A department's budget for a month (yyyy-MM) as the API shows it.</summary>
public sealed record BudgetResponse(string Month, string Department, decimal Amount, string SetBy, ProofResponse Proof)
{
    public static BudgetResponse From(Core.Records.BudgetState b) => new(BudgetInput.FormatMonth(b.Month), b.Department, Money.FromMinor(b.AmountMinor), b.SetBy, ProofResponse.From(b.Proof));
}

/// <summary>The expense approval threshold (hospital's currency): expenses above it wait for a second admin.</summary>
public sealed record ExpensePolicyResponse(decimal Threshold);
