namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>What a recorded printout (<see cref="RecordPrintoutPayload"/>) is a printout of.</summary>
public enum PrintoutSubject : byte
{
    /// <summary>A version of a medical report (<c>reportv/&lt;id&gt;/&lt;version&gt;</c>); the content pointer is <c>&lt;id&gt;/&lt;version&gt;</c>.</summary>
    Report = 1,

    /// <summary>
    /// A validated lab order's report: the order's step <c>Version</c>, which must be a validation (<c>laborder/&lt;id&gt;</c>);
    /// the content pointer is <c>laborder/&lt;id&gt;/&lt;version&gt;</c>.
    /// </summary>
    LabReport = 2,
}
