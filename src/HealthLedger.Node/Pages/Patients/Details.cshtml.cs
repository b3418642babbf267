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

    public IActionResult OnGet(string id)
    {
        var record = records.Get(Me, id);
        if (!record.IsOk) return Failure(record, Page);
        (Patient, Encounters, Account) = record.Value!;
        var list = reports.ForPatient(Me, id);
        Reports = list.Value ?? [];
        ReportsHidden = !list.IsOk;
        OneTimePassword = TempData["OneTimePassword"] as string;
        return Page();
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
