namespace HealthLedger.Node.Laboratory;

/// <summary>
/// One test (analyte) of a laboratory's catalogue. Values are decimals in <see cref="Unit"/>; a result outside
/// [<see cref="PossibleLow"/>, <see cref="PossibleHigh"/>] is physiologically impossible and refused at entry.
/// </summary>
public sealed record LabTest
{
    /// <summary>The laboratory's code (letters, digits, '-', '_' or '.', at most 32), unique in the catalogue, e.g. <c>HGB</c>.</summary>
    public string Code { get; init; } = "";

    /// <summary>The LOINC code where known (e.g. <c>718-7</c> for haemoglobin), else empty.</summary>
    public string Loinc { get; init; } = "";

    /// <summary>Display name, e.g. "Haemoglobin".</summary>
    public string Name { get; init; } = "";

    /// <summary>Specimen type, e.g. "whole blood (EDTA)".</summary>
    public string SpecimenType { get; init; } = "";

    /// <summary>The unit results are entered in (UCUM-style text, e.g. <c>g/L</c>, <c>10*9/L</c>).</summary>
    public string Unit { get; init; } = "";

    /// <summary>Reference ranges; the first that matches the patient's sex and age applies.</summary>
    public IReadOnlyList<ReferenceRange> ReferenceRanges { get; init; } = [];

    /// <summary>Lowest physiologically possible value.</summary>
    public decimal PossibleLow { get; init; }

    /// <summary>Highest physiologically possible value.</summary>
    public decimal PossibleHigh { get; init; }

    /// <summary>Price charged when ordered alone, in the hospital's currency.</summary>
    public decimal Price { get; init; }

    /// <summary>Turnaround target from order to validation, hours.</summary>
    public int TurnaroundHours { get; init; }

    /// <summary>The range for a patient of <paramref name="sex"/> (as recorded, e.g. "female") and <paramref name="ageYears"/> (null: unknown), or null.</summary>
    public ReferenceRange? RangeFor(string sex, int? ageYears) =>
        ReferenceRanges.FirstOrDefault(r => r.Matches(sex, ageYears));
}
