namespace HealthLedger.Node.Accounts;

/// <summary>Account list filters (admins): search by patient name or MRN; sort by balance, charges, payments or name.</summary>
public sealed record AccountQuery(string? Search = null, bool OutstandingOnly = false, string? Sort = null, bool Descending = true, int Page = 1, int PageSize = 50)
{
    /// <summary>The sort orders (<c>?sort=</c>); none given sorts by balance.</summary>
    public static IReadOnlyList<string> SortKeys { get; } = ["balance", "charges", "payments", "name"];
}
