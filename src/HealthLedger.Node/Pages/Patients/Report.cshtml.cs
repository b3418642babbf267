using System.Globalization;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.PatientSummary;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class PatientReportModel(PatientRecordService records, OrganisationKeys organisation, TimeProvider clock) : HospitalPage
{
    public PatientView? Patient { get; private set; }
    public IReadOnlyList<EntryView>? Encounters { get; private set; }
    public AccountView? Account { get; private set; }
    public string Organisation => organisation.Name;
    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
    public string PrintedAt => clock.GetUtcNow().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public IActionResult OnGet(string id)
    {
        var record = records.Get(Me, id);
        if (!record.IsOk) return Failure(record, Page);
        (Patient, Encounters, Account) = record.Value!;
        return Page();
    }
}
