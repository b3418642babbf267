namespace HealthLedger.Node.Laboratory;

/// <summary>One result value: the test's code, the value and the unit it was entered in (must be the catalogue's).</summary>
public sealed record LabResultValue
{
    /// <summary>The test's code.</summary>
    public string Code { get; init; } = "";

    /// <summary>The value, in <see cref="Unit"/>.</summary>
    public decimal? Value { get; init; }

    /// <summary>The unit.</summary>
    public string Unit { get; init; } = "";
}
