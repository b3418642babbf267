using HealthLedger.Core.Records;
using HealthLedger.Node.Hospital;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class PatientDetailsModel(HospitalService hospital, ReportService reports, TimeProvider clock) : HospitalPage
{
    public IReadOnlyList<ReportView> Reports { get; private set; } = [];
    public bool ReportsHidden { get; private set; }
    public PatientView? Patient { get; private set; }
    public IReadOnlyList<EntryView> Encounters { get; private set; } = [];
    public AccountView? Account { get; private set; }
    public string? OneTimePassword { get; private set; }
    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public IActionResult OnGet(string id)
    {
        var patient = hospital.GetPatient(Me, id);
        if (!patient.IsOk) return Failure(patient, Page);
        Patient = patient.Value;
        var entries = hospital.Entries(Me, id).Value!;
        Encounters = entries.Where(e => e.Type is not (EntryType.Charge or EntryType.Payment)).OrderBy(e => e.Details.OccurredAt).ToList();
        Account = HospitalService.BuildAccount(id, entries);
        var list = reports.ForPatient(Me, id);
        Reports = list.Value ?? [];
        ReportsHidden = !list.IsOk;
        OneTimePassword = TempData["OneTimePassword"] as string;
        return Page();
    }

    public IActionResult OnPostResetPassword(string id)
    {
        var outcome = hospital.ResetPassword(Me, id);
        if (!outcome.IsOk) return Failure(outcome, () => OnGet(id));
        TempData["OneTimePassword"] = outcome.Value!.OneTimePassword;
        Flash = "A new one-time password was issued; the patient's sessions were ended.";
        return Redirect($"/patients/{id}");
    }
}
