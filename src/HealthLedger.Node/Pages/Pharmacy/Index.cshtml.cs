using HealthLedger.Node.Pharmacy;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Pharmacy;

/// <summary>The pharmacist's worklist: prescriptions with units to dispense, oldest first.</summary>
public sealed class PharmacyIndexModel(PharmacyService pharmacy) : HospitalPage
{
    public IReadOnlyList<PrescriptionStatus> Worklist { get; private set; } = [];

    public IReadOnlyList<StockAlert> Alerts { get; private set; } = [];

    public bool All { get; private set; }

    public IActionResult OnGet(bool all = false)
    {
        var list = pharmacy.Worklist(Me, all);
        if (!list.IsOk) return Failure(list, Page);
        All = all;
        Worklist = list.Value!;
        Alerts = pharmacy.AlertsOf(Me.OrganisationId);
        return Page();
    }
}
