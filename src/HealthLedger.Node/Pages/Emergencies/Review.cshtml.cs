using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Emergencies;

/// <summary>
/// The custodian organisation's review queue (admins of this node's organisation): every break-glass access to its patients —
/// who, whom, under which emergency, the reason and the justification, what was read, when — pending first, with Mark
/// reviewed and Flag misuse (each a signed transaction, once), and each emergency's access report as CSV.
/// </summary>
public sealed class BreakGlassReviewModel(BreakGlassService breakGlass) : HospitalPage
{
    public IReadOnlyList<BreakGlassResponse> Queue { get; private set; } = [];

    /// <summary>The emergencies the accesses were granted under (CSV links).</summary>
    public IReadOnlyList<string> EmergencyIds => Queue.Select(a => a.EmergencyId).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public IActionResult OnGet() => Show();

    public async Task<IActionResult> OnPostAsync(string patientId, string accessId, string decision, CancellationToken ct)
    {
        var outcome = await breakGlass.ReviewAsync(Me, patientId, accessId, new BreakGlassReviewInput { Decision = decision }, ct);
        if (outcome.IsOk)
        {
            Flash = $"Access {accessId} is marked {outcome.Value!.Review}.";
            return Redirect("/break-glass");
        }
        if (outcome.Kind == OutcomeKind.Forbidden) return Denied(outcome.Message);
        if (PendingPage(outcome) is { } pending) return pending;
        FormError = outcome.Message ?? string.Join(" ", (outcome.Errors?.ToDictionary() ?? new Dictionary<string, string[]>()).SelectMany(e => e.Value));
        Response.StatusCode = EmergencyForms.StatusOf(outcome.Kind);
        return Show();
    }

    private IActionResult Show()
    {
        var queue = breakGlass.Queue(Me);
        if (!queue.IsOk) return Denied(queue.Message);
        Queue = queue.Value!;
        return Page();
    }
}
