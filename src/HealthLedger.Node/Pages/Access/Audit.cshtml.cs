using HealthLedger.Node.Audit;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
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
        var outcome = Query();
        if (!outcome.IsOk) return Failure(outcome, Page);
        Rows = outcome.Value!;
        return Page();
    }

    public IActionResult OnGetCsv()
    {
        var outcome = Query();
        if (!outcome.IsOk) return Failure(outcome, Page);
        var csv = Csv.Write(["at", "actorId", "actorRole", "patientId", "resource", "purpose", "outcome", "block"],
            outcome.Value!.Select(r => new object?[] { DateTimeOffset.FromUnixTimeMilliseconds((long)r.Event.At), r.Event.ActorId, r.Event.ActorRole,
                r.Event.PatientId, r.Event.Resource, r.Event.Purpose, r.Event.Allowed ? "allowed" : "denied", r.Height }));
        return File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv", "audit-trail.csv");
    }

    private Outcome<IReadOnlyList<DisclosureView>> Query() =>
        audit.Trail(Me, PatientId, ActorId, Outcome switch { "allowed" => true, "denied" => false, _ => null }, From, To);
}
