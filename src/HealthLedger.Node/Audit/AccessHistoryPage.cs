namespace HealthLedger.Node.Audit;

/// <summary>
/// One page of a patient's access history grouped by person and day, newest day first.
/// </summary>
/// <param name="Page">This page's number, from 1.</param>
/// <param name="PageSize">Groups per page.</param>
/// <param name="Pages">How many pages the filtered history has (0 when it is empty).</param>
/// <param name="TotalGroups">Groups matching the filter.</param>
/// <param name="TotalEvents">Events matching the filter.</param>
/// <param name="Groups">This page's groups.</param>
public sealed record AccessHistoryPage(int Page, int PageSize, int Pages, int TotalGroups, int TotalEvents, IReadOnlyList<AccessHistoryGroup> Groups);
