namespace HealthLedger.Node.Expenses;

/// <summary>The approval threshold form / request body.</summary>
public sealed class ExpensePolicyInput
{
    /// <summary>Expenses above this amount wait for a second admin: 0 to 100,000,000.00, at most two decimals (default 1,000.00).</summary>
    public decimal? Threshold { get; set; }
}
