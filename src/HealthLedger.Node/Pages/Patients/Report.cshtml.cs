using System.Globalization;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.PatientSummary;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class PatientReportModel(PatientRecordService records, OrganisationKeys organisation) : HospitalPage
{
    public PatientView? Patient { get; private set; }
    public IReadOnlyList<EntryView>? Encounters { get; private set; }
    public AccountView? Account { get; private set; }
    public string Organisation => organisation.Name;
    public DateOnly Today => Time.Today;
    public string PrintedAt => $"{Time.Show(Time.Now)} {Time.ZoneName}";

    public IActionResult OnGet(string id)
    {
        var record = records.Get(Me, id);
        if (!record.IsOk) return Failure(record, Page);
        (Patient, Encounters, Account) = record.Value!;
        return Page();
    }
}
