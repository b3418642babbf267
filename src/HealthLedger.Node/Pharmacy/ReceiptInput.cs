using System.Globalization;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A stock receipt form / request body: a batch of a formulary drug from a supplier.</summary>
public sealed class ReceiptInput
{
    /// <summary>Units received (1 to 1,000,000).</summary>
    public int? Quantity { get; set; }

    /// <summary>Expiry date, yyyy-MM-dd; the batch is usable through that day (UTC) and may not have expired already.</summary>
    public string? ExpiresOn { get; set; }

    /// <summary>The supplier (required, at most 100 characters).</summary>
    public string? Supplier { get; set; }

    /// <summary>The manufacturer's lot number (required, at most 50 characters).</summary>
    public string? LotNumber { get; set; }

    /// <summary>Cost per unit paid, optional (0 to 1,000,000).</summary>
    public decimal? UnitCost { get; set; }

    /// <summary>Delivery note or invoice reference, optional (at most 100 characters).</summary>
    public string? Reference { get; set; }

    /// <summary>Checks every field against <paramref name="today"/> (UTC); the receipt and expiry when all pass, otherwise the field errors.</summary>
    public (ReceiptDetails? Details, DateOnly ExpiresOn, FieldErrors Errors) Validate(DateOnly today)
    {
        var e = new FieldErrors();
        if (Quantity is not { } quantity || quantity is < 1 or > Core.Records.Pharmacy.MaxQuantity) e.Add("quantity", "The quantity must be 1 to 1,000,000 units.");
        var expires = default(DateOnly);
        if (!DateOnly.TryParseExact((ExpiresOn ?? "").Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out expires))
        {
            e.Add("expiresOn", "The expiry date is required, as yyyy-MM-dd.");
        }
        else if (expires < today) e.Add("expiresOn", $"The batch has already expired ({expires:yyyy-MM-dd}); expired stock is not received.");
        var supplier = FieldRules.Text(e, "supplier", Supplier, 100, true, "The supplier");
        var lot = FieldRules.Text(e, "lotNumber", LotNumber, 50, true, "The lot number");
        var reference = FieldRules.Text(e, "reference", Reference, 100, false, "The reference");
        if (UnitCost is < 0 or > 1_000_000) e.Add("unitCost", "The unit cost must be 0 to 1,000,000.");
        return e.IsEmpty ? (new ReceiptDetails { Supplier = supplier, LotNumber = lot, UnitCost = UnitCost, Reference = reference }, expires, e) : (null, expires, e);
    }
}
