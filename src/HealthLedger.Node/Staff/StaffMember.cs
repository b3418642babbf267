namespace HealthLedger.Node.Staff;

/// <summary>A registered staff member (lab technician, pathologist, pharmacist, accountant) as the API shows it: id, role name
/// (<c>lab-technician</c>, <c>pathologist</c>, <c>pharmacist</c>, <c>accountant</c>), registration time (UTC, from the ledger).</summary>
public sealed record StaffMember(string UserId, string Role, DateTimeOffset RegisteredAt);
