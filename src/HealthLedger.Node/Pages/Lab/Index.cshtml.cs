using HealthLedger.Core.Records;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Lab;

/// <summary>
/// The lab worklist / status board: the laboratory's orders for its staff and admins, the doctor's own orders; <c>?status=</c>
/// shows one status. A status the page does not understand is named on the page, and every status is shown
/// (<see cref="QueryValues"/>).
/// </summary>
public sealed class IndexModel(LabService lab) : HospitalPage
{
    public IReadOnlyList<LabOrderView> Orders { get; private set; } = [];

    public LabOrderStatus? Status { get; private set; }

    public IReadOnlyDictionary<LabOrderStatus, int> Counts { get; private set; } = new Dictionary<LabOrderStatus, int>();

    /// <summary>The statuses of the filter, as the API names them (ordered, collected, received, resulted, validated).</summary>
    public static IReadOnlyList<string> StatusNames { get; } = Enum.GetValues<LabOrderStatus>().Select(LabService.Name).ToList();

    public IActionResult OnGet()
    {
        var (status, problem) = QueryValues.ChoiceForPage("status", "a status", QueryValue("status"), StatusNames, "all statuses are shown");
        FormError = problem;
        Status = status is null ? null : Enum.GetValues<LabOrderStatus>().First(s => LabService.Name(s) == status);
        var all = lab.Worklist(Me, null);
        if (!all.IsOk) return Failure(all, Page);
        Counts = Enum.GetValues<LabOrderStatus>().ToDictionary(s => s, s => all.Value!.Count(o => o.Status == s));
        Orders = Status is { } only ? all.Value!.Where(o => o.Status == only).ToList() : all.Value!;
        return Page();
    }
}
