namespace HealthLedger.Node.Laboratory;

/// <summary>A specimen's collection or receipt: the specimen id (optional at collection: one is made; at receipt the id read from the label) and notes.</summary>
public sealed class LabSpecimenInput
{
    /// <summary>The specimen id (letters, digits, '-' or '_').</summary>
    public string? SpecimenId { get; set; }

    /// <summary>Notes (site, condition of the specimen), at most 1,000 characters.</summary>
    public string? Notes { get; set; }
}
