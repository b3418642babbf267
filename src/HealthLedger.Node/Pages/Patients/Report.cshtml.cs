using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.Hospital;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class PatientReportModel(HospitalService hospital, OrganisationKeys organisation, TimeProvider clock) : HospitalPage
{
    public PatientView? Patient { get; private set; }
    public IReadOnlyList<EntryView> Encounters { get; private set; } = [];
    public AccountView? Account { get; private set; }
    public string Organisation => organisation.Name;
    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
    public string PrintedAt => clock.GetUtcNow().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public IActionResult OnGet(string id)
    {
        var patient = hospital.GetPatient(Me, id);
        if (!patient.IsOk) return Failure(patient, Page);
        Patient = patient.Value;
        var entries = hospital.Entries(Me, id).Value!;
        Encounters = entries.Where(e => e.Type is not (EntryType.Charge or EntryType.Payment)).OrderBy(e => e.Details.OccurredAt).ToList();
        Account = HospitalService.BuildAccount(id, entries);
        return Page();
    }
}
