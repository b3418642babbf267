using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A dispense form / request body.</summary>
public sealed class DispenseInput
{
    /// <summary>Units to dispense now (1 to the prescription's quantity per supply; a partial fill is fewer).</summary>
    public int? Quantity { get; set; }

    /// <summary>A batch to take them from; empty for first expiry first out (the default).</summary>
    public string? BatchId { get; set; }

    /// <summary>Counselling or other notes, optional (at most 500 characters).</summary>
    public string? Notes { get; set; }

    /// <summary>Checks the fields; the values when all pass, otherwise the field errors.</summary>
    public (int Quantity, string BatchId, string Notes, FieldErrors Errors) Validate()
    {
        var e = new FieldErrors();
        if (Quantity is not (>= 1 and <= Core.Records.Pharmacy.MaxQuantity)) e.Add("quantity", "The quantity must be 1 to 1,000,000 units.");
        var notes = FieldRules.Text(e, "notes", Notes, 500, false, "The notes", multiline: true);
        return (Quantity ?? 0, (BatchId ?? "").Trim(), notes, e);
    }
}
