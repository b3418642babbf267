using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Staff;

/// <summary>
/// A staff registration form / request body: the new user's id and role (<c>lab-technician</c>, <c>pathologist</c>,
/// <c>pharmacist</c>, <c>accountant</c> or <c>admin</c> (a second admin approves expenses above the threshold), as <see cref="RoleNames"/> names them).
/// </summary>
public sealed class StaffInput
{
    /// <summary>The roles registered here, by name (doctors and patients have their own registration with a sealed record).</summary>
    public static readonly IReadOnlyDictionary<string, Core.Model.Role> Roles =
        new[] { Core.Model.Role.LabTechnician, Core.Model.Role.Pathologist, Core.Model.Role.Pharmacist, Core.Model.Role.Accountant, Core.Model.Role.Admin }
            .ToDictionary(RoleNames.Of, r => r, StringComparer.Ordinal);

    /// <summary>The new user's id (their login name).</summary>
    public string? UserId { get; set; }

    /// <summary>The role: one of <see cref="Roles"/>' names.</summary>
    public string? Role { get; set; }

    /// <summary>Checks the fields; the id and role when both pass, otherwise the field errors.</summary>
    public (string UserId, Core.Model.Role? Role, FieldErrors Errors) Validate()
    {
        var e = new FieldErrors();
        var id = (UserId ?? "").Trim().ToLowerInvariant();
        if (!Core.Model.Identifiers.IsValid(id)) e.Add("userId", $"The user id must be {Core.Model.Identifiers.Rule}.");
        Core.Model.Role? role = Roles.TryGetValue((Role ?? "").Trim().ToLowerInvariant(), out var r) ? r : null;
        if (role is null) e.Add("role", $"The role must be one of: {string.Join(", ", Roles.Keys)}.");
        return (id, role, e);
    }
}
