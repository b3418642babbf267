namespace HealthLedger.Node.Expenses;

/// <summary>An expense's sealed details (organisation finance, sealed for the organisation: a vendor may be a person).</summary>
public sealed record ExpenseDetails
{
    /// <summary>Who was paid.</summary>
    public string Vendor { get; init; } = "";
    /// <summary>What was bought, optional.</summary>
    public string Description { get; init; } = "";
    /// <summary>The invoice file's name ("" without an invoice).</summary>
    public string InvoiceFileName { get; init; } = "";
    /// <summary>The invoice file's media type: application/pdf, image/png or image/jpeg ("" without an invoice).</summary>
    public string InvoiceContentType { get; init; } = "";
    /// <summary>The invoice file's size in bytes (0 without an invoice).</summary>
    public int InvoiceLength { get; init; }
}
