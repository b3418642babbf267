using HealthLedger.Node.MedicalReports;
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
