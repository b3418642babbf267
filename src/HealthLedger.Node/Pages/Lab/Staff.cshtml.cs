using HealthLedger.Core.Model;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Lab;

/// <summary>Admins register lab technicians and pathologists (one-time passwords) and see the laboratory staff.</summary>
public sealed class StaffModel(LabService lab) : HospitalPage
{
    [BindProperty]
    public LabStaffInput Input { get; set; } = new() { Role = "lab-technician" };

    public IReadOnlyList<(string UserId, Role Role)> Staff { get; private set; } = [];

    public string? NewUser { get; private set; }

    public string? OneTimePassword { get; private set; }

    public IActionResult OnGet() => Load() ?? Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Load() is { } failed) return failed;
        var outcome = await lab.RegisterStaffAsync(Me, Input, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        NewUser = outcome.Value!.Id;
        OneTimePassword = outcome.Value.OneTimePassword;
        Input = new LabStaffInput { Role = Input.Role };
        ModelState.Clear();
        return Load() ?? Page();
    }

    private IActionResult? Load()
    {
        if (Me.Role != Role.Admin) return Denied("Only admins register laboratory staff.");
        var staff = lab.Staff(Me);
        if (!staff.IsOk) return Failure(staff, Page);
        Staff = staff.Value!;
        return null;
    }

    public static string RoleName(Role role) => RoleNames.Of(role);
}
