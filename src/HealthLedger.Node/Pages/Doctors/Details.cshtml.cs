using HealthLedger.Core.Model;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Doctors;

public sealed class DoctorDetailsModel(DoctorService doctors, PatientService patients) : HospitalPage
{
    public DoctorView? Doctor { get; private set; }
    public string? OneTimePassword { get; private set; }
    public bool CanEdit => Me.Role == Role.Admin || Me.UserId == Doctor?.Id;

    /// <summary>Every version of the entry, oldest first (<see cref="DoctorService.Versions"/>).</summary>
    public IReadOnlyList<OpenedVersion<DoctorDetails>> Versions { get; private set; } = [];

    /// <summary>The edit form: prefilled with the current entry and its version (hidden), kept as typed when refused.</summary>
    [BindProperty]
    public DoctorInput Edit { get; set; } = new();

    public IActionResult OnGet(string id)
    {
        var doctor = doctors.Get(Me, id);
        if (!doctor.IsOk) return Failure(doctor, Page);
        Doctor = doctor.Value;
        Versions = doctors.Versions(Me, id).Value ?? [];
        OneTimePassword = TempData["OneTimePassword"] as string;
        if (HttpMethods.IsGet(Request.Method) || Edit.Version is null)
        {
            var d = Doctor!.Details;
            Edit = new DoctorInput
            {
                Name = d.Name,
                Specialty = d.Specialty,
                Department = d.Department,
                Qualification = d.Qualification,
                LicenceNumber = d.LicenceNumber,
                Phone = d.Phone,
                Email = d.Email,
                ConsultationHours = d.ConsultationHours,
                Version = Doctor.Version,
            };
        }
        return Page();
    }

    /// <summary>Saves the edit as a new version, or shows the form again with its field errors (400) or the stale version named (409).</summary>
    public async Task<IActionResult> OnPostEditAsync(string id, CancellationToken ct)
    {
        var outcome = await doctors.UpdateAsync(Me, id, Edit, null, ct);
        if (!outcome.IsOk)
        {
            // A stale version (409) or bad fields (400) answer with their status, so a client sees the edit was not saved.
            if (outcome.Kind is OutcomeKind.Invalid or OutcomeKind.Conflict) Response.StatusCode = outcome.Kind == OutcomeKind.Conflict ? 409 : 400;
            return Failure(outcome, () => OnGet(id), nameof(Edit));
        }
        Flash = "The directory entry was saved as a new version.";
        return Redirect($"/doctors/{id}");
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
