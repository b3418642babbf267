namespace HealthLedger.Core.Records;

/// <summary>Kinds of medical reports. Values are stored on the chain and never renumbered.</summary>
public enum ReportType : byte
{
    /// <summary>Laboratory or pathology results.</summary>
    Lab = 1,
    /// <summary>A prescription (for the pharmacy).</summary>
    Prescription = 2,
    /// <summary>An imaging report.</summary>
    Imaging = 3,
    /// <summary>A discharge summary.</summary>
    DischargeSummary = 4,
    /// <summary>Another document (an attached file with a description).</summary>
    Document = 5,
}
