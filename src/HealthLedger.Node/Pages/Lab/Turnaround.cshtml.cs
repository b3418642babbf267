using HealthLedger.Node.Laboratory;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Lab;

/// <summary>The laboratory's turnaround report (its staff and admins).</summary>
public sealed class TurnaroundModel(LabService lab) : HospitalPage
{
    public IReadOnlyList<TurnaroundRow> Rows { get; private set; } = [];

    public IActionResult OnGet()
    {
        var rows = lab.Turnaround(Me, null, null);
        if (!rows.IsOk) return Failure(rows, Page);
        Rows = rows.Value!;
        return Page();
    }
}
