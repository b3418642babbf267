using HealthLedger.Core.Model;
using HealthLedger.Node.Audit;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Auditors;

/// <summary>
/// The organisation's auditors (admins): the list from the chain and a form registering one, whose one-time password is
/// shown once after the registration (the auditor replaces it at their first login).
/// </summary>
public sealed class AuditorsIndexModel(AuditorService auditors) : HospitalPage
{
    [BindProperty]
    public AuditorInput Input { get; set; } = new();

    public IReadOnlyList<UserRecord> Auditors { get; private set; } = [];

    /// <summary>The user name and one-time password of the auditor just registered, shown once.</summary>
    public (string Id, string Password)? Registered { get; private set; }

    public IActionResult OnGet()
    {
        if (TempData["AuditorId"] is string id && TempData["OneTimePassword"] is string password) Registered = (id, password);
        return Show();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var outcome = await auditors.RegisterAsync(Me, Input, ct);
        if (!outcome.IsOk) return Failure(outcome, Show);
        TempData["AuditorId"] = outcome.Value!.Id;
        TempData["OneTimePassword"] = outcome.Value.OneTimePassword;
        return Redirect("/auditors");
    }

    private IActionResult Show()
    {
        var list = auditors.List(Me);
        if (!list.IsOk) return Denied(list.Message);
        Auditors = list.Value!;
        return Page();
    }
}
