namespace HealthLedger.Node.Printouts;

/// <summary>
/// The authenticity of one report version: who signed it, in which block and when, whether it is unchanged, and whether
/// a later version replaced it (<see cref="LatestVersion"/>): a superseded version is genuine but no longer the report.
/// </summary>
public sealed record ReportCheck(string ReportId, int Version, string Type, string AuthorId, ulong Height, DateTimeOffset BlockTime, string TransactionId,
    string ContentSha256, bool Unchanged, IReadOnlyList<string> Problems, bool Superseded, int LatestVersion = 0)
{
    /// <summary>One word for the verdict: <c>failed</c> (changed or not intact), <c>superseded</c> (genuine, but replaced by a later version) or <c>authentic</c>.</summary>
    public string Status => !Unchanged ? "failed" : Superseded ? "superseded" : "authentic";
}

/// <summary>
/// What an uploaded file is: a report version's file or a printout the node issued of it (named only when <c>Visible</c>: the
/// caller may read that patient's reports; <c>Printout</c> then says which), a report the caller may not see (<c>Match</c>
/// without details), or nothing on the chain. A lab report printout is named by its order id (<c>ReportId</c>) and
/// validation step (<c>Version</c>), signed by the validating pathologist, with <c>Kind</c> <c>lab-report</c> (a medical
/// report's is <c>report</c>; null when not <c>Visible</c>); <c>Superseded</c> then means the order was amended after it.
/// </summary>
public sealed record FileMatch(string Sha256, bool Match, string? ReportId, int? Version, string? AuthorId, ulong? Height, DateTimeOffset? BlockTime, bool? Superseded, bool Visible,
    bool? Printout = null, string? Kind = null);
