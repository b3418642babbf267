using HealthLedger.Node.Audit;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Access;

public sealed class AuditModel(AuditService audit) : HospitalPage
{
    [BindProperty(SupportsGet = true)]
    public string? PatientId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ActorId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Outcome { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    public IReadOnlyList<DisclosureView> Rows { get; private set; } = [];

    public IActionResult OnGet()
    {
        if (FilterRefused() is { } refused) return refused;
        var outcome = Query();
        if (!outcome.IsOk) return Failure(outcome, Page);
        Rows = outcome.Value!;
        return Page();
    }

    public IActionResult OnGetCsv()
    {
        // A download with a filter it cannot apply answers 400 problem details naming the parameter, not a page.
        if (FilterErrors() is { Count: > 0 } errors) return QueryProblem(errors[0].Parameter, errors[0].Message);
        var outcome = Query();
        if (!outcome.IsOk) return Failure(outcome, Page);
        var csv = Csv.Write(["at", "actorId", "actorRole", "patientId", "resource", "purpose", "outcome", "block"],
            outcome.Value!.Select(r => new object?[] { DateTimeOffset.FromUnixTimeMilliseconds((long)r.Event.At), r.Event.ActorId, r.Event.ActorRole,
                r.Event.PatientId, r.Event.Resource, r.Event.Purpose, r.Event.Allowed ? "allowed" : "denied", r.Height }));
        return File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv", "audit-trail.csv");
    }

    /// <summary>
    /// A filter the page cannot apply (a date that is not yyyy-MM-dd, an unknown outcome, from after to) is answered with
    /// status 400 and the page saying which field is wrong and showing no rows; it was silently dropped, so the trail looked
    /// complete or empty for a filter that was never applied. Null when the filter is accepted.
    /// </summary>
    private IActionResult? FilterRefused()
    {
        var errors = FilterErrors();
        if (errors.Count == 0) return null;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        FormError = "The audit trail cannot be filtered this way: " + string.Join(" ", errors.Select(e => $"{e.Label}: {e.Message}"));
        Rows = [];
        return Page();
    }

    /// <summary>The filter's errors: the query parameter, its field's label and the message.</summary>
    private List<(string Parameter, string Label, string Message)> FilterErrors()
    {
        var errors = new List<(string, string, string)>();
        foreach (var (field, parameter) in new[] { ("From", "from"), ("To", "to") })
        {
            if (ModelState.TryGetValue(field, out var entry) && entry.Errors.Count > 0) errors.Add((parameter, field, "not a date (yyyy-MM-dd)."));
        }
        if (!string.IsNullOrEmpty(Outcome) && Outcome is not ("allowed" or "denied")) errors.Add(("outcome", "Outcome", "one of allowed, denied."));
        if (From is { } f && To is { } t && t < f) errors.Add(("to", "To", "the last day is before the first day."));
        return errors;
    }

    private Outcome<IReadOnlyList<DisclosureView>> Query() =>
        audit.Trail(Me, PatientId, ActorId, Outcome switch { "allowed" => true, "denied" => false, _ => null }, From, To);
}
