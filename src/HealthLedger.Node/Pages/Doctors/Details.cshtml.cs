using HealthLedger.Core.Model;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Patients;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Doctors;

public sealed class DoctorDetailsModel(DoctorService doctors, PatientService patients) : HospitalPage
{
    public DoctorView? Doctor { get; private set; }
    public string? OneTimePassword { get; private set; }
    public bool CanEdit => Me.Role == Role.Admin || Me.UserId == Doctor?.Id;

    public IActionResult OnGet(string id)
    {
        var doctor = doctors.Get(Me, id);
        if (!doctor.IsOk) return Failure(doctor, Page);
        Doctor = doctor.Value;
        OneTimePassword = TempData["OneTimePassword"] as string;
        return Page();
    }

    public async Task<IActionResult> OnPostOnCallAsync(string id, bool onCall, CancellationToken ct)
    {
        var outcome = await doctors.SetOnCallAsync(Me, id, onCall, ct);
        if (!outcome.IsOk) return Failure(outcome, () => OnGet(id));
        Flash = onCall ? "Now on call." : "Now off call.";
        return Redirect($"/doctors/{id}");
    }

    public async Task<IActionResult> OnPostResetPasswordAsync(string id, CancellationToken ct)
    {
        var outcome = await patients.ResetPasswordAsync(Me, id, ct);
        if (!outcome.IsOk) return Failure(outcome, () => OnGet(id));
        TempData["OneTimePassword"] = outcome.Value!.OneTimePassword;
        return Redirect($"/doctors/{id}");
    }
}
