using System.Globalization;
using HealthLedger.Node.Records;
using ExpenseRules = HealthLedger.Core.Records.Expenses;

namespace HealthLedger.Node.Expenses;

/// <summary>An expense form / request body.</summary>
public sealed class ExpenseInput
{
    /// <summary>Largest invoice file: 512 KiB.</summary>
    public const int MaxInvoiceBytes = 512 * 1024;

    /// <summary>The expense date, yyyy-MM-dd (required; not after today in the hospital's time zone, not before 2000-01-01).</summary>
    public string? Date { get; set; }

    /// <summary>One of supplies, pharmaceuticals, equipment, maintenance, utilities, salaries, services, rent, other.</summary>
    public string? Category { get; set; }

    /// <summary>The department charged (2 to 60 characters: letters, digits, spaces and &amp; . , ' ( ) -).</summary>
    public string? Department { get; set; }

    /// <summary>The amount in the hospital's currency: more than 0, at most 100,000,000.00, at most two decimals.</summary>
    public decimal? Amount { get; set; }

    /// <summary>One of bank-transfer, card, cash, cheque.</summary>
    public string? PaymentMethod { get; set; }

    /// <summary>Who was paid (required, at most 100 characters).</summary>
    public string? Vendor { get; set; }

    /// <summary>What was bought (optional, at most 500 characters).</summary>
    public string? Description { get; set; }

    /// <summary>The invoice, optional: PDF, PNG or JPEG, at most 512 KiB.</summary>
    public InvoiceUpload? Invoice { get; set; }

    /// <summary>A checked expense ready to seal.</summary>
    public sealed record Checked(DateOnly Date, string Category, string Department, decimal Amount, string PaymentMethod, ExpenseDetails Details, byte[]? Invoice);

    /// <summary>Checks every field against <paramref name="today"/> (the hospital's date); the checked expense, or the field errors.</summary>
    public (Checked? Value, FieldErrors Errors) Validate(DateOnly today)
    {
        var e = new FieldErrors();
        var date = default(DateOnly);
        if (!DateOnly.TryParseExact((Date ?? "").Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date)) e.Add("date", "The date is required, as yyyy-MM-dd.");
        else if (date > today) e.Add("date", $"The date {date:yyyy-MM-dd} is in the future; today is {today:yyyy-MM-dd}.");
        else if (date < new DateOnly(2000, 1, 1)) e.Add("date", "The date must be 2000-01-01 or later.");
        var category = (Category ?? "").Trim().ToLowerInvariant();
        if (!ExpenseRules.Categories.Contains(category)) e.Add("category", "Choose a category: " + string.Join(", ", ExpenseRules.Categories) + ".");
        var department = FieldRules.Text(e, "department", Department, 60, true, "The department");
        if (!e.Has("department") && !ExpenseRules.IsDepartment(department)) e.Add("department", "The department must be " + ExpenseRules.DepartmentRule + ".");
        CheckAmount(e, "amount", Amount, positive: true);
        var method = (PaymentMethod ?? "").Trim().ToLowerInvariant();
        if (!ExpenseRules.PaymentMethods.Contains(method)) e.Add("paymentMethod", "Choose a payment method: " + string.Join(", ", ExpenseRules.PaymentMethods) + ".");
        var vendor = FieldRules.Text(e, "vendor", Vendor, 100, true, "The vendor");
        var description = FieldRules.Text(e, "description", Description, 500, false, "The description", multiline: true);
        var (invoice, fileName, contentType) = CheckInvoice(e);
        if (!e.IsEmpty) return (null, e);
        var details = new ExpenseDetails { Vendor = vendor, Description = description, InvoiceFileName = fileName, InvoiceContentType = contentType, InvoiceLength = invoice?.Length ?? 0 };
        return (new Checked(date, category, department, Amount!.Value, method, details, invoice), e);
    }

    /// <summary>Adds an error unless <paramref name="amount"/> is a money amount: 0 (or more than 0 when <paramref name="positive"/>) to 100,000,000.00, two decimals at most.</summary>
    public static void CheckAmount(FieldErrors e, string field, decimal? amount, bool positive)
    {
        if (amount is not { } a) e.Add(field, "The amount is required.");
        else if (positive ? a <= 0 : a < 0) e.Add(field, positive ? "The amount must be more than 0." : "The amount must not be negative.");
        else if (a > Money.FromMinor(ExpenseRules.MaxAmountMinor)) e.Add(field, "The amount must be at most 100,000,000.00.");
        else if (!Money.HasCents(a)) e.Add(field, "The amount may have at most two decimals.");
    }

    private (byte[]? Content, string FileName, string ContentType) CheckInvoice(FieldErrors e)
    {
        if (Invoice is null) return (null, "", "");
        var content = Invoice.Content;
        if (content is null && string.IsNullOrWhiteSpace(Invoice.ContentBase64))
        {
            // An invoice object without bytes is a failed upload, not "no invoice": refuse it rather than record the expense without it.
            e.Add("invoice", "The invoice file is empty; send its bytes in contentBase64, or leave out invoice.");
            return (null, "", "");
        }
        if (content is null)
        {
            try
            {
                content = Convert.FromBase64String(Invoice.ContentBase64!);
            }
            catch (FormatException)
            {
                e.Add("invoice", "The invoice content is not base64.");
                return (null, "", "");
            }
        }
        if (content.Length == 0) e.Add("invoice", "The invoice file is empty.");
        else if (content.Length > MaxInvoiceBytes) e.Add("invoice", $"The invoice file is {content.Length:N0} bytes; at most {MaxInvoiceBytes:N0} (512 KiB) are accepted.");
        var type = ContentType(content);
        if (content.Length > 0 && type is null) e.Add("invoice", "The invoice must be a PDF, PNG or JPEG file.");
        var name = Path.GetFileName((Invoice.FileName ?? "").Replace('\\', '/'));
        name = FieldRules.Text(e, "invoice", name, 120, false, "The invoice file name");
        if (name.Length == 0) name = "invoice" + (type switch { "application/pdf" => ".pdf", "image/png" => ".png", _ => ".jpg" });
        return (content, name, type ?? "");
    }

    /// <summary>The media type a file's first bytes show (PDF, PNG, JPEG), or null.</summary>
    public static string? ContentType(ReadOnlySpan<byte> content) =>
        content.StartsWith("%PDF-"u8) ? "application/pdf"
        : content.StartsWith(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }) ? "image/png"
        : content.StartsWith(new byte[] { 0xFF, 0xD8, 0xFF }) ? "image/jpeg"
        : null;
}
