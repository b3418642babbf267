namespace HealthLedger.Node.Doctors;

/// <summary>Doctor directory filters.</summary>
public sealed record DoctorQuery(string? Search = null, string? Specialty = null, string? Department = null, bool? OnCall = null, int Page = 1, int PageSize = 50);
