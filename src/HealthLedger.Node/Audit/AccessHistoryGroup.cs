namespace HealthLedger.Node.Audit;

/// <summary>
/// The events about one person on one day (the hospital's time zone), newest first: how many, which categories and records,
/// which kinds, the first and last time.
/// </summary>
/// <param name="PersonId">The reader, grantee, asking doctor or rescuer (<see cref="AccessHistoryEvent.PersonId"/>).</param>
/// <param name="PersonName">Their name, or their id.</param>
/// <param name="PersonRole">Their role, or organisation.</param>
/// <param name="OrganisationId">Their organisation, or null.</param>
/// <param name="OrganisationName">Its name, or null.</param>
/// <param name="Day">The day, hospital time.</param>
/// <param name="Count">The number of events.</param>
/// <param name="Refused">How many of them are refused attempts.</param>
/// <param name="First">The earliest event's time.</param>
/// <param name="Last">The latest event's time.</param>
/// <param name="Kinds">The distinct kinds, in <see cref="AccessHistoryKinds.All"/> order.</param>
/// <param name="Categories">The distinct categories, sorted.</param>
/// <param name="Resources">The distinct records read (resources), sorted.</param>
/// <param name="Events">The events, newest first.</param>
public sealed record AccessHistoryGroup(string PersonId, string PersonName, string PersonRole, string? OrganisationId, string? OrganisationName, DateOnly Day,
    int Count, int Refused, DateTimeOffset First, DateTimeOffset Last, IReadOnlyList<string> Kinds, IReadOnlyList<string> Categories, IReadOnlyList<string> Resources,
    IReadOnlyList<AccessHistoryEvent> Events);
