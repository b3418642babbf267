using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Pharmacy;

/// <summary>
/// The pharmacist's worklist: prescriptions with units to dispense, oldest first; <c>?all=true</c> every prescription. An
/// <c>all</c> value that is neither true nor false is named on the page, and the open prescriptions are shown.
/// </summary>
public sealed class PharmacyIndexModel(PharmacyService pharmacy) : HospitalPage
{
    public IReadOnlyList<PrescriptionStatus> Worklist { get; private set; } = [];

    public IReadOnlyList<StockAlert> Alerts { get; private set; } = [];

    public bool All { get; private set; }

    public IActionResult OnGet()
    {
        var (all, problem) = QueryValues.FlagForPage("all", QueryValue("all"), false, "only open prescriptions are shown");
        FormError = problem;
        var list = pharmacy.Worklist(Me, all);
        if (!list.IsOk) return Failure(list, Page);
        All = all;
        Worklist = list.Value!;
        Alerts = pharmacy.AlertsOf(Me.OrganisationId);
        return Page();
    }
}
