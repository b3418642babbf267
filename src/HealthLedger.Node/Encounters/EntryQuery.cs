namespace HealthLedger.Node.Encounters;

/// <summary>Organisation-wide entry list filters (admins).</summary>
public sealed record EntryQuery(string? Type = null, string? DoctorId = null, DateOnly? From = null, DateOnly? To = null, string? PatientId = null, int Page = 1, int PageSize = 50);
