using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Patients;
using HealthLedger.Node.PatientSummary;
using HealthLedger.Node.Printouts;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

/// <summary>
/// The printable patient record (demographics, encounters, medical reports, account) with a print stylesheet (site.css,
/// "Printouts"). Its letterhead names the organisation that holds the record (the custodian), also when a grantee of another
/// organisation prints it at their own node; on the custodian's own node it carries node.json's hospital name and contact
/// details (<see cref="PrintoutRecorder.Letterhead"/>). An empty account prints "No charges or payments recorded".
/// </summary>
public sealed class PatientReportModel(PatientRecordService records, ReportService reports, PrintoutRecorder printouts) : HospitalPage
{
    public PatientView? Patient { get; private set; }
    public IReadOnlyList<EntryView>? Encounters { get; private set; }
    public AccountView? Account { get; private set; }

    /// <summary>The latest version of each medical report, oldest first; null when the patient does not share reports with the reader.</summary>
    public IReadOnlyList<ReportView>? Reports { get; private set; }

    /// <summary>The custodian's letterhead (name, and on its own node the contact details that are set).</summary>
    public Letterhead Letterhead => printouts.Letterhead(Patient?.OrganisationId ?? "");

    public DateOnly Today => Time.Today;
    public string PrintedAt => $"{Time.Show(Time.Now)} {Time.ZoneName}";

    /// <summary>Who prints: "name (id), role" for a doctor or patient (<see cref="HospitalPage.PersonName"/>), "id, role" for staff.</summary>
    public string PrintedBy => $"{(Me.Role is Core.Model.Role.Doctor or Core.Model.Role.Patient ? $"{PersonName(Me.UserId)} ({Me.UserId})" : Me.UserId)}, {(Me.Role == Core.Model.Role.Patient ? "the patient" : Me.Role.ToString().ToLowerInvariant())}";

    public IActionResult OnGet(string id)
    {
        var record = records.Get(Me, id);
        if (!record.IsOk) return Failure(record, Page);
        (Patient, Encounters, Account) = record.Value!;
        var list = reports.ForPatient(Me, id);
        Reports = list.IsOk ? [.. list.Value!.OrderBy(r => r.Proof.Height)] : null;
        return Page();
    }
}
