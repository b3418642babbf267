using HealthLedger.Core.Model;
using HealthLedger.Node.Patients;
using HealthLedger.Node.VitalSigns;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class VitalSignsModel(VitalSignsService vitals, PatientService patients) : HospitalPage
{
    [BindProperty]
    public VitalSignsInput Input { get; set; } = new();

    public PatientView? Patient { get; private set; }

    public IReadOnlyList<VitalSignsView> Readings { get; private set; } = [];

    public bool CanRecord => Me.Role is Role.Admin or Role.Doctor;

    public IActionResult OnGet(string id)
    {
        if (Load(id) is { } failed) return failed;
        Input = new VitalSignsInput { TakenAt = Time.FormNow() };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        var outcome = await vitals.RecordAsync(Me, id, Input, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        Flash = "Vital signs recorded.";
        return Redirect($"/patients/{id}/vital-signs");
    }

    private IActionResult? Load(string id)
    {
        var readings = vitals.ForPatient(Me, id);
        if (!readings.IsOk) return Failure(readings, Page);
        Readings = readings.Value!;
        Patient = patients.AsSeenBy(Me, id);
        return null;
    }
}
