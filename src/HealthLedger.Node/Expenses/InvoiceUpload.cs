namespace HealthLedger.Node.Expenses;

/// <summary>An invoice file as a request body carries it (the page's upload becomes one too).</summary>
public sealed class InvoiceUpload
{
    /// <summary>The file's name (at most 120 characters; a path is cut to its last part).</summary>
    public string? FileName { get; set; }

    /// <summary>The file's bytes, base64 (PDF, PNG or JPEG, at most <see cref="ExpenseInput.MaxInvoiceBytes"/> bytes).</summary>
    public string? ContentBase64 { get; set; }

    /// <summary>The decoded bytes, when the page read them from a multipart upload.</summary>
    internal byte[]? Content { get; set; }
}
