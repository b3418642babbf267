using HealthLedger.Core.Records;
using HealthLedger.Node.Laboratory;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Lab;

/// <summary>The lab worklist / status board: the laboratory's orders for its staff and admins, the doctor's own orders.</summary>
public sealed class IndexModel(LabService lab) : HospitalPage
{
    public IReadOnlyList<LabOrderView> Orders { get; private set; } = [];

    public LabOrderStatus? Status { get; private set; }

    public IReadOnlyDictionary<LabOrderStatus, int> Counts { get; private set; } = new Dictionary<LabOrderStatus, int>();

    public IActionResult OnGet(string? status)
    {
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (!Enum.TryParse<LabOrderStatus>(status, true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(status, out _)) return Redirect("/lab");
            Status = parsed;
        }
        var all = lab.Worklist(Me, null);
        if (!all.IsOk) return Failure(all, Page);
        Counts = Enum.GetValues<LabOrderStatus>().ToDictionary(s => s, s => all.Value!.Count(o => o.Status == s));
        Orders = Status is { } only ? all.Value!.Where(o => o.Status == only).ToList() : all.Value!;
        return Page();
    }
}
