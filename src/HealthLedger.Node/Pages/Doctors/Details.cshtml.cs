using HealthLedger.Core.Model;
using HealthLedger.Node.Hospital;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Doctors;

public sealed class DoctorDetailsModel(HospitalService hospital) : HospitalPage
{
    public DoctorView? Doctor { get; private set; }
    public string? OneTimePassword { get; private set; }
    public bool CanEdit => Me.Role == Role.Admin || Me.UserId == Doctor?.Id;

    public IActionResult OnGet(string id)
    {
        var doctor = hospital.GetDoctor(Me, id);
        if (!doctor.IsOk) return Failure(doctor, Page);
        Doctor = doctor.Value;
        OneTimePassword = TempData["OneTimePassword"] as string;
        return Page();
    }

    public async Task<IActionResult> OnPostOnCallAsync(string id, bool onCall, CancellationToken ct)
    {
        var outcome = await hospital.SetOnCallAsync(Me, id, onCall, ct);
        if (!outcome.IsOk) return Failure(outcome, () => OnGet(id));
        Flash = onCall ? "Now on call." : "Now off call.";
        return Redirect($"/doctors/{id}");
    }

    public IActionResult OnPostResetPassword(string id)
    {
        var outcome = hospital.ResetPassword(Me, id);
        if (!outcome.IsOk) return Failure(outcome, () => OnGet(id));
        TempData["OneTimePassword"] = outcome.Value!.OneTimePassword;
        return Redirect($"/doctors/{id}");
    }
}
