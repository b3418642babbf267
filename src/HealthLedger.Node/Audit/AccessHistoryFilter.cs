namespace HealthLedger.Node.Audit;

/// <summary>A checked <see cref="AccessHistoryQuery"/>: null fields do not filter.</summary>
/// <param name="Who">Part of the person's name or id (case-insensitive).</param>
/// <param name="OrganisationId">The person's organisation.</param>
/// <param name="Category">A category the event concerns.</param>
/// <param name="Record">Part of the resource (case-insensitive).</param>
/// <param name="Kind">The event's kind.</param>
/// <param name="From">The first day (hospital time).</param>
/// <param name="To">The last day (hospital time).</param>
/// <param name="Page">The page, from 1.</param>
/// <param name="PageSize">Groups per page.</param>
public sealed record AccessHistoryFilter(string? Who, string? OrganisationId, string? Category, string? Record, string? Kind, DateOnly? From, DateOnly? To, int Page, int PageSize)
{
    /// <summary>True when the filter narrows anything (paging aside).</summary>
    public bool Narrows => Who is not null || OrganisationId is not null || Category is not null || Record is not null || Kind is not null || From is not null || To is not null;
}
