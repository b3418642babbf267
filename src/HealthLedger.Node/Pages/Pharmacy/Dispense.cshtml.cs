using HealthLedger.Node.Pharmacy;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Pharmacy;

/// <summary>Dispensing one prescription: its details, the drug's batches in first-expiry-first-out order, the dispense form and the history.</summary>
public sealed class DispenseModel(PharmacyService pharmacy) : HospitalPage
{
    [BindProperty]
    public DispenseInput Input { get; set; } = new();

    public PrescriptionStatus? Status { get; private set; }

    public StockLevel? Stock { get; private set; }

    public IActionResult OnGet(string id)
    {
        if (Load(id) is { } failed) return failed;
        Input = new DispenseInput { Quantity = Math.Min(Status!.Prescription.Quantity, Status.Remaining) };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken ct)
    {
        var outcome = await pharmacy.DispenseAsync(Me, id, Input, ct);
        if (Load(id) is { } failed) return failed;
        if (!outcome.IsOk) return Failure(outcome, Page);
        var d = outcome.Value!;
        Flash = $"Dispensed {d.Quantity} × {d.Details.Drug} ({string.Join(", ", d.Lines.Select(l => $"{l.Quantity} from batch {l.BatchId}"))}); {Money(d.Quantity * d.Details.UnitPrice)} charged to the account.";
        return Redirect($"/pharmacy/prescriptions/{id}");
    }

    private IActionResult? Load(string id)
    {
        var status = pharmacy.ForDispensing(Me, id);
        if (!status.IsOk) return Failure(status, Page);
        Status = status.Value;
        var stock = pharmacy.Drug(Me, Status!.Prescription.DrugId);
        Stock = stock.IsOk ? stock.Value : null;
        return null;
    }
}
