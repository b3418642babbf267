namespace HealthLedger.Node.Laboratory;

/// <summary>A reference (normal) range of a test, optionally for one sex and an age band, with optional critical limits.</summary>
public sealed record ReferenceRange
{
    /// <summary><c>female</c>, <c>male</c>, or empty for any.</summary>
    public string Sex { get; init; } = "";

    /// <summary>Lowest age in years it applies to (inclusive), or null.</summary>
    public int? MinAgeYears { get; init; }

    /// <summary>Highest age in years it applies to (inclusive), or null.</summary>
    public int? MaxAgeYears { get; init; }

    /// <summary>Lower limit of normal; below it a result is flagged L.</summary>
    public decimal Low { get; init; }

    /// <summary>Upper limit of normal; above it a result is flagged H.</summary>
    public decimal High { get; init; }

    /// <summary>Critical low (flag LL), or null.</summary>
    public decimal? CriticalLow { get; init; }

    /// <summary>Critical high (flag HH), or null.</summary>
    public decimal? CriticalHigh { get; init; }

    /// <summary>True when the range applies to the patient (an unknown age matches ranges without an age band only).</summary>
    public bool Matches(string sex, int? ageYears) =>
        (Sex.Length == 0 || string.Equals(Sex, sex?.Trim(), StringComparison.OrdinalIgnoreCase))
        && (MinAgeYears is null || ageYears >= MinAgeYears) && (MaxAgeYears is null || ageYears <= MaxAgeYears);

    /// <summary>The flag of <paramref name="value"/>: <c>LL</c>/<c>HH</c> critical, <c>L</c>/<c>H</c> out of range, empty when normal.</summary>
    public string Flag(decimal value) =>
        value < CriticalLow ? "LL" : value > CriticalHigh ? "HH" : value < Low ? "L" : value > High ? "H" : "";

    /// <summary>"low–high unit" for reports.</summary>
    public string Describe(string unit) => $"{Low.ToString(System.Globalization.CultureInfo.InvariantCulture)}–{High.ToString(System.Globalization.CultureInfo.InvariantCulture)} {unit}";
}
