using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Patients;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Lab;

/// <summary>The doctor's lab order form for a patient: tests and panels of the laboratory's catalogue, priority, clinical note.</summary>
public sealed class NewOrderModel(LabService lab, PatientService patients) : HospitalPage
{
    [BindProperty]
    public LabOrderInput Input { get; set; } = new();

    public PatientView? Patient { get; private set; }

    public LabCatalogue Catalogue { get; private set; } = LabCatalogue.Empty;

    public IActionResult OnGet(string id) => Load(id) ?? Page();

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        Input.PatientId = id;
        var outcome = await lab.PlaceAsync(Me, Input, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        TempData["Flash"] = $"Lab order {outcome.Value!.Id} placed (block {outcome.Value.Steps[0].Proof.Height}).";
        return Redirect($"/lab/orders/{outcome.Value.Id}");
    }

    private IActionResult? Load(string id)
    {
        if (Me.Role != Role.Doctor) return Denied("Only doctors order laboratory tests.");
        var found = patients.GetPatient(Me, id, ConsentCategories.Laboratory, "lab order form", record: false);
        if (!found.IsOk) return Failure(found, Page);
        Patient = patients.AsSeenBy(Me, id) ?? found.Value;
        var catalogue = lab.Catalogue(Me);
        Catalogue = catalogue.IsOk ? catalogue.Value.Catalogue : LabCatalogue.Empty;
        return null;
    }
}
