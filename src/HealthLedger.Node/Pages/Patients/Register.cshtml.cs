using HealthLedger.Node.Patients;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class RegisterPatientModel(PatientService patients) : HospitalPage
{
    [BindProperty]
    public PatientInput Input { get; set; } = new() { BloodGroup = "unknown" };

    public IActionResult OnGet() => Me.Role == Core.Model.Role.Admin ? Page() : Denied("Only admins register patients.");

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var outcome = await patients.RegisterAsync(Me, Input, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        TempData["OneTimePassword"] = outcome.Value!.OneTimePassword;
        return Redirect($"/patients/{outcome.Value.Id}?registered=1");
    }
}
