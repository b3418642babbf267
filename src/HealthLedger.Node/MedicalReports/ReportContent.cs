namespace HealthLedger.Node.MedicalReports;

/// <summary>One lab result line.</summary>
public sealed record LabResult(string Test, string Value, string Unit, string ReferenceRange, string Flag);

/// <summary>A prescription's fields (for the pharmacy).</summary>
public sealed record PrescriptionDetails(string Drug, string Dose, string Route, string Frequency, string Duration);

/// <summary>
/// The attached file's description (its bytes are in the document store): name, media type, size in bytes, and the SHA-1 of
/// its bytes in base64 (FHIR R4 <c>Attachment.hash</c>; computed as the file is uploaded; empty for files uploaded before it was).
/// </summary>
public sealed record AttachedFile(string Name, string ContentType, long Size, string Sha1 = "");

/// <summary>A medical report's content: PHI, only ever stored encrypted.</summary>
public sealed record ReportContent
{
    public string Title { get; init; } = "";
    public string Summary { get; init; } = "";
    public IReadOnlyList<LabResult> LabResults { get; init; } = [];
    public PrescriptionDetails? Prescription { get; init; }
    public AttachedFile? File { get; init; }
    public string AmendmentReason { get; init; } = "";
}
