namespace HealthLedger.Node.Staff;

/// <summary>A registered staff member (pharmacist, accountant) as the API shows it: id, role name, registration time.</summary>
public sealed record StaffMember(string UserId, string Role, DateTimeOffset RegisteredAt);
