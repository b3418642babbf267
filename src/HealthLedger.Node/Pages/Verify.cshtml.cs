using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace HealthLedger.Node.Pages;

/// <summary>
/// The public page a printed report's QR code opens (a verification code, no sign-in), and, for a signed-in user, the check
/// of a file (a downloaded report file or printout) by its SHA-256 on the chain, as <c>POST /api/v1/verify/file</c>.
/// </summary>
[Web.DocumentUpload]
public sealed class VerifyModel(ReportService reports) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Code { get; set; }

    public ReportCheck? Check { get; private set; }

    /// <summary>The checked file's name and what it is (after a POST).</summary>
    public (string Name, FileMatch Match)? Checked { get; private set; }

    /// <summary>Why no file was checked (after a POST).</summary>
    public string? FileError { get; private set; }

    /// <summary>True when a user is signed in (only they may check files).</summary>
    public bool SignedIn => HttpContext.UserSession() is not null;

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (Code is not null) Check = await reports.VerifyCodeAsync(Code, ct);
    }

    public async Task<IActionResult> OnPostAsync(IFormFile? file, CancellationToken ct)
    {
        Code = null;
        if (HttpContext.UserSession() is not { } session) return Redirect("/login?ReturnUrl=%2Fverify");
        if (file is not { Length: > 0 })
        {
            FileError = "Choose a file to check.";
            return Page();
        }
        if (Request.Form.Files.GetFiles("file").Count > 1)
        {
            FileError = "Choose one file to check at a time.";
            return Page();
        }
        await using var stream = file.OpenReadStream();
        Checked = (Path.GetFileName(file.FileName), await reports.MatchFileAsync(session, stream, ct));
        return Page();
    }
}
