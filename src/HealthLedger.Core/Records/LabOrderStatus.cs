namespace HealthLedger.Core.Records;

/// <summary>
/// Where a lab order stands: ordered → collected → received → resulted → validated (an amendment after sign-off goes back to
/// resulted). Each value is also the kind of the step that reached it. Values are stored on the chain and never renumbered.
/// </summary>
public enum LabOrderStatus : byte
{
    /// <summary>Ordered by a doctor; no specimen yet.</summary>
    Ordered = 1,
    /// <summary>The specimen was collected and labelled.</summary>
    Collected = 2,
    /// <summary>The specimen was received at the laboratory.</summary>
    Received = 3,
    /// <summary>Results were entered (or amended), awaiting validation.</summary>
    Resulted = 4,
    /// <summary>A pathologist validated the results: the report is final.</summary>
    Validated = 5,
}
