using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Emergencies;

/// <summary>
/// The emergency summary under the signed-in rescuer's or doctor's break-glass access in force (opened at this node;
/// recorded as a break-glass disclosure by the service): 403 without an access, 409 while the keys have not arrived.
/// </summary>
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(BreakGlassLimits.SummaryPolicy)]
public sealed class EmergencySummaryModel(BreakGlassService breakGlass) : HospitalPage
{
    public EmergencySummary? Summary { get; private set; }

    /// <summary>Why the summary cannot be opened yet (409: the custodian's node has not released the keys), or null.</summary>
    public string? Pending { get; private set; }

    public IActionResult OnGet(string id)
    {
        var outcome = breakGlass.Summary(Me, id);
        if (outcome.IsOk)
        {
            Summary = outcome.Value;
            return Page();
        }
        if (outcome.Kind == OutcomeKind.Conflict)
        {
            Response.StatusCode = 409;
            Pending = outcome.Message ?? "The emergency keys have not reached this node yet.";
            return Page();
        }
        return Failure(outcome, Page);
    }
}
