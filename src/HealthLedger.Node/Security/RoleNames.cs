using HealthLedger.Core.Model;

namespace HealthLedger.Node.Security;

/// <summary>The names the API and the UI give roles: <c>admin</c>, <c>doctor</c>, <c>patient</c>, <c>auditor</c>, <c>rescuer</c>, <c>lab-technician</c>, <c>pathologist</c>, <c>pharmacist</c>, <c>accountant</c>.</summary>
public static class RoleNames
{
    /// <summary>The role's name (kebab case).</summary>
    public static string Of(Role role) => role switch
    {
        Role.LabTechnician => "lab-technician",
        _ => role.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses a name given by <see cref="Of"/> (case-insensitive); false for anything else.</summary>
    public static bool TryParse(string? name, out Role role)
    {
        foreach (var r in Enum.GetValues<Role>())
        {
            if (string.Equals(Of(r), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                role = r;
                return true;
            }
        }
        role = default;
        return false;
    }
}
