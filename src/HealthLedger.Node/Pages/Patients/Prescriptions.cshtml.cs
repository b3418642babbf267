using HealthLedger.Core.Model;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

/// <summary>A patient's medication list and, for a doctor who may prescribe, the prescription form with the allergy warning and override.</summary>
public sealed class PrescriptionsModel(PharmacyService pharmacy, PatientService patients) : HospitalPage
{
    [BindProperty]
    public PrescriptionInput Input { get; set; } = new();

    public PatientView? Patient { get; private set; }

    public IReadOnlyList<PrescriptionStatus> Medication { get; private set; } = [];

    /// <summary>The formulary the doctor chooses from, with what is available now.</summary>
    public IReadOnlyList<StockLevel> Formulary { get; private set; } = [];

    /// <summary>The allergy warnings of the last attempt (shown above the override reason).</summary>
    public IReadOnlyList<string> AllergyWarnings { get; private set; } = [];

    public bool CanPrescribe => Me.Role == Role.Doctor;

    public IActionResult OnGet(string id)
    {
        if (Load(id) is { } failed) return failed;
        Input = new PrescriptionInput { Route = "oral", Repeats = 0 };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        var outcome = await pharmacy.PrescribeAsync(Me, id, Input, ct);
        if (!outcome.IsOk)
        {
            if (outcome.Kind == OutcomeKind.Conflict && outcome.Errors?.ToDictionary().TryGetValue("overrideReason", out var warnings) == true)
            {
                AllergyWarnings = warnings[..^1];
            }
            return Failure(outcome, Page);
        }
        Flash = $"Prescription of {outcome.Value!.Prescription.Details.Drug} recorded.";
        return Redirect($"/patients/{id}/prescriptions");
    }

    private IActionResult? Load(string id)
    {
        var list = pharmacy.MedicationList(Me, id);
        if (!list.IsOk) return Failure(list, Page);
        Medication = list.Value!;
        Patient = patients.AsSeenBy(Me, id);
        if (CanPrescribe && pharmacy.Stock(Me) is { IsOk: true } stock) Formulary = stock.Value!;
        return null;
    }
}
