using HealthLedger.Node.Doctors;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Doctors;

public sealed class RegisterDoctorModel(DoctorService doctors) : HospitalPage
{
    [BindProperty]
    public DoctorInput Input { get; set; } = new();

    public IActionResult OnGet() => Me.Role == Core.Model.Role.Admin ? Page() : Denied("Only admins register doctors.");

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var outcome = await doctors.RegisterAsync(Me, Input, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        TempData["OneTimePassword"] = outcome.Value!.OneTimePassword;
        return Redirect($"/doctors/{outcome.Value.Id}");
    }
}
