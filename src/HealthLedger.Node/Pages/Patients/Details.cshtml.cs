using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Patients;
using HealthLedger.Node.PatientSummary;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class PatientDetailsModel(PatientRecordService records, PatientService patients, ReportService reports) : HospitalPage
{
    public IReadOnlyList<ReportView> Reports { get; private set; } = [];
    public bool ReportsHidden { get; private set; }
    public PatientView? Patient { get; private set; }
    public IReadOnlyList<EntryView>? Encounters { get; private set; }
    public AccountView? Account { get; private set; }
    public string? OneTimePassword { get; private set; }
    public DateOnly Today => Time.Today;

    /// <summary>The patient's area tag (a site code of the organisation; "" when untagged).</summary>
    public string Area { get; private set; } = "";

    /// <summary>The area form's value (admins).</summary>
    [BindProperty]
    public string? AreaInput { get; set; }

    public IActionResult OnGet(string id)
    {
        var record = records.Get(Me, id);
        if (!record.IsOk) return Failure(record, Page);
        (Patient, Encounters, Account) = record.Value!;
        var list = reports.ForPatient(Me, id);
        Reports = list.Value ?? [];
        ReportsHidden = !list.IsOk;
        OneTimePassword = TempData["OneTimePassword"] as string;
        Area = patients.AreaOf(id);
        AreaInput ??= Area;
        return Page();
    }

    /// <summary>Sets or clears the patient's area tag (admins of their organisation).</summary>
    public async Task<IActionResult> OnPostAreaAsync(string id, CancellationToken ct)
    {
        var outcome = await patients.SetAreaAsync(Me, id, AreaInput, ct);
        if (!outcome.IsOk)
        {
            if (outcome.Kind == HealthLedger.Node.Records.OutcomeKind.Invalid)
            {
                ModelState.AddModelError(nameof(AreaInput), outcome.Errors!.ToDictionary()["area"][0]);
                FormError = "Please correct the fields marked below.";
                Response.StatusCode = 400;
                return OnGet(id);
            }
            return Failure(outcome, () => OnGet(id));
        }
        Flash = patients.AreaOf(id) is { Length: > 0 } area ? $"The patient's area is now {area}." : "The patient's area tag was removed.";
        return Redirect($"/patients/{id}");
    }

    public async Task<IActionResult> OnPostResetPasswordAsync(string id, CancellationToken ct)
    {
        var outcome = await patients.ResetPasswordAsync(Me, id, ct);
        if (!outcome.IsOk) return Failure(outcome, () => OnGet(id));
        TempData["OneTimePassword"] = outcome.Value!.OneTimePassword;
        Flash = "A new one-time password was issued; the patient's sessions were ended.";
        return Redirect($"/patients/{id}");
    }
}
