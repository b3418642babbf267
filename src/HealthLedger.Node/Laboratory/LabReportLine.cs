namespace HealthLedger.Node.Laboratory;

/// <summary>
/// One line of a validated lab report: the test, the value with its unit, the reference range that applied (empty when
/// the catalogue has none for the patient) and the flag: <c>H</c>/<c>L</c> out of range, <c>HH</c>/<c>LL</c> critical, empty when normal.
/// </summary>
public sealed record LabReportLine(string Code, string Loinc, string Name, decimal Value, string Unit, string ReferenceRange, string Flag)
{
    /// <summary>True for a critical value (HH or LL).</summary>
    public bool Critical => Flag is "HH" or "LL";
}
