using HealthLedger.Node.Web;

namespace HealthLedger.Node.Emergencies;

/// <summary>
/// The per-declaration access report as CSV (API <c>?format=csv</c> and the pages' download): one row per access with
/// <see cref="Header"/>'s columns, times ISO 8601 UTC; never the justification.
/// </summary>
public static class BreakGlassCsv
{
    /// <summary>The columns.</summary>
    public static readonly string[] Header =
        ["accessId", "patientId", "custodianId", "actorId", "actorRole", "actorOrganisationId", "reason", "categories", "grantedAt", "expiresAt", "review", "reviewedBy", "reviewedAt", "block"];

    /// <summary>The CSV text of <paramref name="accesses"/>.</summary>
    public static string Write(IEnumerable<BreakGlassResponse> accesses) => Csv.Write(Header, accesses.Select(a => new object?[] { a.AccessId, a.PatientId, a.CustodianId, a.ActorId, a.ActorRole, a.ActorOrganisationId,
        a.Reason, string.Join(' ', a.Categories), a.GrantedAt, a.ExpiresAt, a.Review, a.ReviewedBy, a.ReviewedAt, a.Block }));

    /// <summary>The download's file name.</summary>
    public static string FileName(string emergencyId) => $"emergency-{emergencyId}-accesses.csv";
}
