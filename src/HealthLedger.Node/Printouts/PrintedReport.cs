namespace HealthLedger.Node.Printouts;

/// <summary>A rendered report printout.</summary>
/// <param name="Pdf">The PDF document's bytes.</param>
/// <param name="FileName">A download name such as <c>rp-abc-v2.pdf</c>.</param>
public sealed record PrintedReport(byte[] Pdf, string FileName);
