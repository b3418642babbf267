using HealthLedger.Node.Pharmacy;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Pharmacy;

/// <summary>The formulary and stock with alerts, the forms to add a drug and to receive stock, and the latest movements (pharmacists, admins).</summary>
public sealed class StockModel(PharmacyService pharmacy) : HospitalPage
{
    [BindProperty]
    public DrugInput Drug { get; set; } = new();

    [BindProperty]
    public ReceiptInput Receipt { get; set; } = new();

    [BindProperty]
    public string? ReceiptDrugId { get; set; }

    public IReadOnlyList<StockLevel> Levels { get; private set; } = [];

    public IReadOnlyList<StockAlert> Alerts { get; private set; } = [];

    public IReadOnlyList<StockMovement> Movements { get; private set; } = [];

    public IActionResult OnGet()
    {
        if (Load() is { } failed) return failed;
        Drug = new DrugInput { Form = "tablet", ReorderLevel = 0 };
        return Page();
    }

    public async Task<IActionResult> OnPostDrugAsync(CancellationToken ct)
    {
        if (Load() is { } failed) return failed;
        var outcome = await pharmacy.AddDrugAsync(Me, Drug, ct);
        if (!outcome.IsOk)
        {
            AddErrors(outcome.Errors, "Drug");
            return Failure(WithoutFields(outcome), Page);
        }
        Flash = $"{outcome.Value!.Drug.Details.Label} added to the formulary.";
        return Redirect("/pharmacy/stock");
    }

    public async Task<IActionResult> OnPostReceiptAsync(CancellationToken ct)
    {
        if (Load() is { } failed) return failed;
        var outcome = await pharmacy.ReceiveAsync(Me, ReceiptDrugId ?? "", Receipt, ct);
        if (!outcome.IsOk)
        {
            AddErrors(outcome.Errors, "Receipt");
            return Failure(WithoutFields(outcome), Page);
        }
        Flash = $"{outcome.Value!.OnHand} units of lot {outcome.Value.Batch.Details.LotNumber} received.";
        return Redirect("/pharmacy/stock");
    }

    // The two forms name their own fields (Drug.*, Receipt.*); the outcome's message still shows at the top.
    private static Records.Outcome<T> WithoutFields<T>(Records.Outcome<T> outcome) =>
        outcome.Kind switch
        {
            Records.OutcomeKind.Invalid => Records.Outcome<T>.Conflict(new Records.FieldErrors(), "Please correct the fields marked below."),
            Records.OutcomeKind.Conflict => Records.Outcome<T>.Conflict(new Records.FieldErrors(), outcome.Message ?? ""),
            _ => outcome,
        };

    private IActionResult? Load()
    {
        var levels = pharmacy.Stock(Me);
        if (!levels.IsOk) return Failure(levels, Page);
        var alerts = pharmacy.Alerts(Me);
        if (!alerts.IsOk) return Failure(alerts, Page);
        Levels = levels.Value!;
        Alerts = alerts.Value!;
        Movements = pharmacy.Movements(Me, null, null).Value?.TakeLast(50).Reverse().ToList() ?? [];
        return null;
    }
}
