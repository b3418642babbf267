using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Printouts;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Reports;

public sealed class ReportDetailsModel(ReportService reports, PatientService patients) : HospitalPage
{
    public ReportView? Latest { get; private set; }
    public IReadOnlyList<ReportView> Versions { get; private set; } = [];
    public ReportCheck? Check { get; private set; }
    public bool CanAmend { get; private set; }
    public string PatientName => Latest is null ? "" : patients.AsSeenBy(Me, Latest.PatientId)?.DisplayName ?? Latest.PatientId;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        var outcome = reports.Get(Me, id);
        if (!outcome.IsOk) return Failure(outcome, Page);
        Versions = outcome.Value!;
        Latest = Versions[^1];
        Check = (await reports.VerifyAsync(Me, id, null, ct)).Value;
        CanAmend = reports.MayAmend(Me, id);
        return Page();
    }
}
