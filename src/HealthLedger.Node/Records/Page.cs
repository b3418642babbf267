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
    /// <summary>
    /// Page <paramref name="page"/> of <paramref name="all"/>, read from its end when <paramref name="descending"/> (the list is
    /// not reversed: only the page's items are read); the page size is clamped to 1–200 and the page number to the pages there are.
    /// </summary>
    public static Page<T> Of<T>(IReadOnlyList<T> all, int page, int pageSize, bool descending = false)
    {
        pageSize = Math.Clamp(pageSize, 1, 200);
        var pages = Math.Max(1, (all.Count + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pages);
        var first = (page - 1) * pageSize;
        var items = new T[Math.Max(0, Math.Min(pageSize, all.Count - first))];
        for (var i = 0; i < items.Length; i++) items[i] = all[descending ? all.Count - 1 - (first + i) : first + i];
        return new Page<T>(items, all.Count, page, pageSize);
    }
}
