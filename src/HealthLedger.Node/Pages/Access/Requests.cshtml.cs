using HealthLedger.Core.Model;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Access;

/// <summary>A doctor's requests for access (referrals): the form to ask a patient of any member organisation, and their requests with the answers.</summary>
public sealed class RequestsModel(AccessRequestService requests) : HospitalPage
{
    public sealed class RequestForm
    {
        public string? PatientId { get; set; }
        public int? Days { get; set; } = 7;
        public string? Reason { get; set; }
        public string? Categories { get; set; }
    }

    [BindProperty]
    public RequestForm Input { get; set; } = new();

    [BindProperty]
    public List<string> Categories { get; set; } = [];

    public IReadOnlyList<AccessRequestView> Requests { get; private set; } = [];

    public string Days(int days) => days == 1 ? "1 day" : $"{days} days";

    public IActionResult OnGet() => Load() ?? Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Load() is { } denied) return denied;
        var outcome = await requests.RequestAsync(Me, Input.PatientId ?? "", new AccessRequestInput { Categories = Categories, Days = Input.Days, Reason = Input.Reason }, ct);
        if (!outcome.IsOk)
        {
            if (outcome.Kind == OutcomeKind.NotFound)
            {
                ModelState.AddModelError("Input.PatientId", outcome.Message ?? "No such patient.");
                FormError = "Please correct the fields marked below.";
                return Page();
            }
            return Failure(outcome, Page);
        }
        Flash = "Request sent. The patient sees it on their sharing page.";
        return Redirect("/access-requests");
    }

    private IActionResult? Load()
    {
        if (Me.Role != Role.Doctor) return Denied("Only doctors ask patients for access.");
        Requests = requests.List(Me).Value ?? [];
        return null;
    }
}
