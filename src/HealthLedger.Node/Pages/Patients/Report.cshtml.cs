using System.Globalization;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.PatientSummary;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

/// <summary>
/// The printable patient record (demographics, encounters, account); its print header names the organisation that holds the
/// record (the custodian), also when a grantee of another organisation prints it at their own node.
/// </summary>
public sealed class PatientReportModel(PatientRecordService records, LedgerNode node) : HospitalPage
{
    public PatientView? Patient { get; private set; }
    public IReadOnlyList<EntryView>? Encounters { get; private set; }
    public AccountView? Account { get; private set; }
    public string Organisation => Patient is null ? "" : OrganisationNames.Of(node, Patient.OrganisationId);
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
