namespace HealthLedger.Node.Fhir.Export;

/// <summary>A checked bulk export kick-off (FHIR Bulk Data Access 2.0).</summary>
/// <param name="RequestUrl">The kick-off URL as called (the manifest's <c>request</c>).</param>
/// <param name="SystemLevel">True for <c>/$export</c> (also the types outside the patient compartment), false for <c>Patient/$export</c>.</param>
/// <param name="Types">The <c>_type</c> resource types, or null for all.</param>
/// <param name="Since">The <c>_since</c> instant, or null.</param>
public sealed record BulkExportRequest(string RequestUrl, bool SystemLevel, IReadOnlySet<string>? Types, DateTimeOffset? Since);
