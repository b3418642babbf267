using HealthLedger.Node.Wards;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Wards;

/// <summary>The ward and bed list (admins): one line per ward, "Ward: bed, bed, …", with each bed's occupancy.</summary>
public sealed class WardsIndexModel(WardService wards) : HospitalPage
{
    /// <summary>The list as text, one ward per line.</summary>
    [BindProperty]
    public string? Text { get; set; }

    /// <summary>The version the edit replaces (hidden field; required: a form without it is 400, a stale one 409).</summary>
    [BindProperty]
    public int? Version { get; set; }

    public WardOccupancyView? Current { get; private set; }

    public IActionResult OnGet()
    {
        var outcome = wards.Get(Me);
        if (!outcome.IsOk) return Failure(outcome, Page);
        Current = outcome.Value;
        Version = Current!.Version;
        Text = string.Join("\n", Current.Wards.Select(w => $"{w.Name}: {string.Join(", ", w.Beds.Select(b => b.Name))}"));
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var input = new WardInput { Version = Version, Wards = Parse(Text) };
        var outcome = await wards.SaveAsync(Me, input, null, ct);
        if (PendingPage(outcome) is { } pending) return pending;
        if (!outcome.IsOk)
        {
            Current = wards.Get(Me).Value;
            foreach (var (_, messages) in outcome.Errors?.ToDictionary() ?? new Dictionary<string, string[]>())
            {
                foreach (var message in messages) ModelState.AddModelError(nameof(Text), message);
            }
            FormError = outcome.Kind == Records.OutcomeKind.Invalid ? "Please correct the list." : outcome.Message;
            // A stale version (409) or bad fields (400) answer with their status, so a client sees the list was not saved.
            if (outcome.Kind is Records.OutcomeKind.Invalid or Records.OutcomeKind.Conflict) Response.StatusCode = outcome.Kind == Records.OutcomeKind.Conflict ? 409 : 400;
            return outcome.Kind is Records.OutcomeKind.Invalid or Records.OutcomeKind.Conflict ? Page() : Failure(outcome, Page);
        }
        Flash = $"Ward list saved (version {outcome.Value!.Version}).";
        return Redirect("/wards");
    }

    /// <summary>"ICU: ICU-1, ICU-2" lines into wards.</summary>
    public static List<WardInputItem?> Parse(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line =>
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            return (WardInputItem?)new WardInputItem
            {
                Name = colon < 0 ? line : line[..colon],
                Beds = colon < 0 ? [] : line[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(b => (string?)b).ToList(),
            };
        }).ToList();
}
