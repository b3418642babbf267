namespace HealthLedger.Node.Patients;

/// <summary>Patient list filters.</summary>
public sealed record PatientQuery(string? Search = null, string? Condition = null, string? Sort = null, bool Descending = false, int Page = 1, int PageSize = 20)
{
    /// <summary>The sort orders (<c>?sort=</c>); none given sorts by name.</summary>
    public static IReadOnlyList<string> SortKeys { get; } = ["name", "age", "mrn", "registered"];
}
