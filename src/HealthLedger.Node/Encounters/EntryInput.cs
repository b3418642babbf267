using System.Globalization;
using HealthLedger.Core.Records;

using HealthLedger.Node.Records;

namespace HealthLedger.Node.Encounters;

/// <summary>An encounter or account entry form / request body.</summary>
public sealed class EntryInput
{
    /// <summary>admission, visit, transfer, discharge, charge or payment.</summary>
    public string? Type { get; set; }
    /// <summary>When it happened: ISO 8601 with an offset, or the hospital's local time without one.</summary>
    public string? OccurredAt { get; set; }
    public string? DoctorId { get; set; }
    public string? Ward { get; set; }
    public string? Bed { get; set; }
    public string? Reason { get; set; }
    public string? Notes { get; set; }
    public string? Diagnosis { get; set; }
    public string? Summary { get; set; }
    public string? Service { get; set; }
    public int? Quantity { get; set; }
    public decimal? UnitPrice { get; set; }
    public decimal? Amount { get; set; }
    public string? Method { get; set; }
    /// <summary>
    /// For payments: true to record the payment as a deposit, kept as a credit on the account; only a deposit may be more than
    /// the balance due.
    /// </summary>
    public bool? Deposit { get; set; }
    /// <summary>The entry this one corrects, if any.</summary>
    public string? CorrectsId { get; set; }

    /// <summary>Checks the fields that apply to the type against the hospital's clock and zone.</summary>
    public (EntryType Type, EntryDetails? Details, FieldErrors Errors) Validate(HospitalTime time)
    {
        var e = new FieldErrors();
        var typeText = (Type ?? "").Trim().ToLowerInvariant();
        if (!Enum.TryParse<EntryType>(typeText, ignoreCase: true, out var type) || !Enum.IsDefined(type) || int.TryParse(typeText, CultureInfo.InvariantCulture, out _))
        {
            e.Add("type", "Type must be one of: admission, visit, transfer, discharge, charge, payment.");
            return (default, null, e);
        }
        var at = time.ReadInstant(e, "occurredAt", OccurredAt, true, "Date and time");
        var details = new EntryDetails { OccurredAt = at ?? default };
        switch (type)
        {
            case EntryType.Admission:
                details = details with
                {
                    Ward = FieldRules.Text(e, "ward", Ward, 50, true, "Ward"),
                    Bed = FieldRules.Text(e, "bed", Bed, 20, true, "Bed"),
                    Reason = FieldRules.Text(e, "reason", Reason, 1000, true, "Reason", multiline: true),
                };
                RequireDoctor(e);
                break;
            case EntryType.Visit:
                details = details with
                {
                    Notes = FieldRules.Text(e, "notes", Notes, 4000, true, "Notes", multiline: true),
                    Diagnosis = FieldRules.Text(e, "diagnosis", Diagnosis, 500, false, "Diagnosis"),
                };
                RequireDoctor(e);
                break;
            case EntryType.Transfer:
                details = details with
                {
                    Ward = FieldRules.Text(e, "ward", Ward, 50, true, "Ward"),
                    Bed = FieldRules.Text(e, "bed", Bed, 20, true, "Bed"),
                    Reason = FieldRules.Text(e, "reason", Reason, 1000, false, "Reason", multiline: true),
                };
                break;
            case EntryType.Discharge:
                details = details with { Summary = FieldRules.Text(e, "summary", Summary, 4000, true, "Summary", multiline: true) };
                break;
            case EntryType.Charge:
                details = details with { Service = FieldRules.Text(e, "service", Service, 200, true, "Service"), Quantity = Quantity, UnitPrice = UnitPrice };
                if (Quantity is not > 0 || Quantity > 10_000) e.Add("quantity", "Quantity must be a whole number from 1 to 10000.");
                if (UnitPrice is not { } price || price < 0) e.Add("unitPrice", "Unit price must be zero or more.");
                else if (price > 10_000_000 || decimal.Round(price, 2) != price) e.Add("unitPrice", "Unit price must have at most 2 decimals and be below 10,000,000.");
                break;
            case EntryType.Payment:
                var method = (Method ?? "").Trim().ToLowerInvariant();
                details = details with { Amount = Amount, Method = method, Deposit = Deposit == true };
                if (Amount is not { } amount || amount <= 0) e.Add("amount", "Amount must be more than zero.");
                else if (amount > 100_000_000 || decimal.Round(amount, 2) != amount) e.Add("amount", "Amount must have at most 2 decimals and be below 100,000,000.");
                if (!FieldRules.PaymentMethods.Contains(method)) e.Add("method", $"Method must be one of: {string.Join(", ", FieldRules.PaymentMethods)}.");
                break;
        }
        return e.IsEmpty ? (type, details, e) : (type, null, e);
    }

    private void RequireDoctor(FieldErrors e)
    {
        if (string.IsNullOrWhiteSpace(DoctorId)) e.Add("doctorId", "Attending doctor is required.");
    }
}
