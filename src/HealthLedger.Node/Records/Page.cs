namespace HealthLedger.Node.Records;

/// <summary>A page of results.</summary>
/// <param name="Items">The items on this page.</param>
/// <param name="Total">How many items there are on all pages.</param>
/// <param name="PageNumber">This page's number, from 1.</param>
/// <param name="PageSize">Items per page (1–200).</param>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int PageNumber, int PageSize)
{
    /// <summary>How many pages there are (at least 1).</summary>
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>Paging of in-memory lists.</summary>
public static class Paging
{
    /// <summary>Page <paramref name="page"/> of <paramref name="all"/>; the page size is clamped to 1–200 and the page number to the pages there are.</summary>
    public static Page<T> Of<T>(IReadOnlyList<T> all, int page, int pageSize)
    {
        pageSize = Math.Clamp(pageSize, 1, 200);
        var pages = Math.Max(1, (all.Count + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pages);
        return new Page<T>(all.Skip((page - 1) * pageSize).Take(pageSize).ToList(), all.Count, page, pageSize);
    }
}
