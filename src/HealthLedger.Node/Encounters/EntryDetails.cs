namespace HealthLedger.Node.Encounters;

/// <summary>The content of an entry (PHI, only ever stored encrypted). Which fields apply depends on the entry type.</summary>
public sealed record EntryDetails
{
    /// <summary>When it happened (UTC; records written before times carried an offset read as UTC).</summary>
    public DateTimeOffset OccurredAt { get; init; }
    public string Ward { get; init; } = "";
    public string Bed { get; init; } = "";
    public string Reason { get; init; } = "";
    public string Notes { get; init; } = "";
    public string Diagnosis { get; init; } = "";
    public string Summary { get; init; } = "";
    public string Service { get; init; } = "";
    public int? Quantity { get; init; }
    public decimal? UnitPrice { get; init; }
    public decimal? Amount { get; init; }
    public string Method { get; init; } = "";
    /// <summary>A payment recorded as a deposit: it may exceed the balance due and leaves a credit.</summary>
    public bool Deposit { get; init; }

    /// <summary>The signed effect on the account: charges add, payments subtract, encounters are 0.</summary>
    public decimal AccountEffect(Core.Records.EntryType type) => type switch
    {
        Core.Records.EntryType.Charge => (Quantity ?? 0) * (UnitPrice ?? 0m),
        Core.Records.EntryType.Payment => -(Amount ?? 0m),
        _ => 0m,
    };
}
