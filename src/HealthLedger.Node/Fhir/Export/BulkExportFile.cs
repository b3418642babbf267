namespace HealthLedger.Node.Fhir.Export;

/// <summary>One NDJSON file of a finished export, held in memory: one resource type, one resource per line.</summary>
/// <param name="Type">The resource type (OperationOutcome for the error file).</param>
/// <param name="Name">The file name in its URL, e.g. <c>Consent.ndjson</c>.</param>
/// <param name="Data">The UTF-8 NDJSON.</param>
/// <param name="Count">How many resources (lines) it holds.</param>
public sealed record BulkExportFile(string Type, string Name, byte[] Data, int Count);
