namespace HealthLedger.Node.Doctors;

/// <summary>Doctor directory filters; <paramref name="Organisation"/>: the actor's own (null), <c>all</c> member organisations, or one by id.</summary>
public sealed record DoctorQuery(string? Search = null, string? Specialty = null, string? Department = null, bool? OnCall = null, int Page = 1, int PageSize = 50,
    string? Organisation = null);
