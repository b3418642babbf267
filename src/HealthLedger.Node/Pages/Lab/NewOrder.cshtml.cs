using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Patients;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Lab;

/// <summary>
/// The doctor's lab order form for a patient: the laboratory (the patient's organisation's, or another member organisation's
/// to which the patient granted their laboratory data; <c>?laboratory=&lt;organisation id&gt;</c> chooses it), then tests and
/// panels of that laboratory's catalogue, priority, clinical note.
/// </summary>
public sealed class NewOrderModel(LabService lab, PatientService patients, ConsentService consent) : HospitalPage
{
    [BindProperty]
    public LabOrderInput Input { get; set; } = new();

    public PatientView? Patient { get; private set; }

    /// <summary>The laboratory whose catalogue the form shows (an organisation id).</summary>
    public string LaboratoryId { get; private set; } = "";

    /// <summary>The laboratories the doctor may order from for this patient, with their names; the patient's organisation's first.</summary>
    public IReadOnlyList<(string Id, string Name)> Laboratories { get; private set; } = [];

    public LabCatalogue Catalogue { get; private set; } = LabCatalogue.Empty;

    public IActionResult OnGet(string id, string? laboratory) => Load(id, laboratory) ?? Page();

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken ct)
    {
        if (Load(id, Input.LaboratoryId) is { } failed) return failed;
        Input.PatientId = id;
        var outcome = await lab.PlaceAsync(Me, Input, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        TempData["Flash"] = $"Lab order {outcome.Value!.Id} placed.";
        return Redirect($"/lab/orders/{outcome.Value.Id}");
    }

    private IActionResult? Load(string id, string? laboratory)
    {
        if (Me.Role != Role.Doctor) return Denied("Only doctors order laboratory tests.");
        // The form shows the patient's name: recorded as a disclosure, as the entry form's is (break-test, 2026-12-07: it was shown unrecorded).
        var found = patients.GetPatient(Me, id, ConsentCategories.Laboratory, "lab order form");
        if (!found.IsOk) return Failure(found, Page);
        Patient = patients.AsSeenBy(Me, id) ?? found.Value;
        var names = consent.MemberOrganisations().ToDictionary(o => o.Id, o => o.Name, StringComparer.Ordinal);
        var laboratories = lab.LaboratoriesFor(id);
        Laboratories = laboratories.Select(l => (l.LaboratoryId, names.GetValueOrDefault(l.LaboratoryId, l.LaboratoryId))).ToList();
        var wanted = (laboratory ?? "").Trim().ToLowerInvariant();
        var chosen = laboratories.FirstOrDefault(l => l.LaboratoryId == wanted);
        var unknown = wanted.Length > 0 && chosen.LaboratoryId is null;
        if (chosen.LaboratoryId is null) chosen = laboratories.FirstOrDefault(l => l.LaboratoryId == Patient!.OrganisationId);
        if (chosen.LaboratoryId is null && laboratories.Count > 0) chosen = laboratories[0]; // the patient's organisation has no catalogue
        LaboratoryId = chosen.LaboratoryId ?? Patient!.OrganisationId;
        Catalogue = chosen.Catalogue ?? LabCatalogue.Empty;
        if (unknown && !Request.HasFormContentType)
        {
            FormError = Web.QueryValues.NotUnderstood(laboratory!, "a laboratory this patient's data may go to", "laboratory: an organisation id",
                $"{Laboratories.FirstOrDefault(l => l.Id == LaboratoryId).Name ?? LaboratoryId}'s catalogue is shown");
        }
        return null;
    }
}
