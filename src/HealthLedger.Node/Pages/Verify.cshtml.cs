using HealthLedger.Node.Accounts;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.PatientSummary;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Statistics;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace HealthLedger.Node.Pages;

/// <summary>The public page a printed report's QR code opens.</summary>
public sealed class VerifyModel(ReportService reports) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Code { get; set; }

    public ReportCheck? Check { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (Code is not null) Check = await reports.VerifyCodeAsync(Code, ct);
    }
}
