namespace HealthLedger.Node.Pharmacy;

/// <summary>A stock receipt's details (organisation data, sealed for the organisation).</summary>
public sealed record ReceiptDetails
{
    /// <summary>The supplier.</summary>
    public string Supplier { get; init; } = "";
    /// <summary>The manufacturer's lot number.</summary>
    public string LotNumber { get; init; } = "";
    /// <summary>Cost per unit paid to the supplier, when known.</summary>
    public decimal? UnitCost { get; init; }
    /// <summary>Delivery note or invoice reference.</summary>
    public string Reference { get; init; } = "";
}
