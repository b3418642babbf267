using HealthLedger.Node.Staff;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Staff;

/// <summary>Admins register laboratory technicians, pathologists, pharmacists and accountants (one-time passwords) and see the list.</summary>
public sealed class StaffIndexModel(StaffService staff) : HospitalPage
{
    [BindProperty]
    public StaffInput Input { get; set; } = new();

    public IReadOnlyList<StaffMember> Members { get; private set; } = [];

    /// <summary>The new user and their one-time password, shown once after a registration.</summary>
    public (string UserId, string Password)? Registered { get; private set; }

    public IActionResult OnGet()
    {
        if (Load() is { } failed) return failed;
        Input = new StaffInput { Role = "pharmacist" };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Load() is { } failed) return failed;
        var outcome = await staff.RegisterAsync(Me, Input, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        Registered = (outcome.Value!.Id, outcome.Value.OneTimePassword ?? "");
        if (Load() is { } again) return again;
        Input = new StaffInput { Role = Input.Role };
        ModelState.Clear();
        return Page();
    }

    private IActionResult? Load()
    {
        var list = staff.List(Me);
        if (!list.IsOk) return Failure(list, Page);
        Members = list.Value!;
        return null;
    }
}
