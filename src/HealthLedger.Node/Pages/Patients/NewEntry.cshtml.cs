using HealthLedger.Core.Model;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Wards;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class NewEntryModel(EncounterService encounters, PatientService patients, DoctorService doctors, WardService wards) : HospitalPage
{
    [BindProperty]
    public EntryInput Input { get; set; } = new();

    public PatientView? Patient { get; private set; }

    public IReadOnlyList<DoctorView> Doctors { get; private set; } = [];

    /// <summary>The free beds per ward (empty when the hospital keeps no ward list).</summary>
    public IReadOnlyList<Ward> FreeBeds { get; private set; } = [];

    public IActionResult OnGet(string id, string? type, string? corrects)
    {
        if (Load(id) is { } failed) return failed;
        // A type or corrected entry the form does not know is named, and the form starts as a new entry of the first type.
        var (known, typeProblem) = Me.Role == Role.Doctor ? ("visit", null) : Web.QueryValues.ChoiceForPage("type", "an entry type", type, Records.FieldRules.EncounterTypes, "a new admission is shown");
        Input.Type = known ?? "admission";
        FormError = typeProblem;
        Input.OccurredAt = Time.FormNow();
        if (Me.Role == Role.Doctor) Input.DoctorId = Me.UserId;
        if (corrects is not null && encounters.Entries(Me, id).Value?.FirstOrDefault(e => e.Id == corrects) is { } old)
        {
            Input = new EntryInput
            {
                Type = old.Type.ToString().ToLowerInvariant(),
                CorrectsId = old.Id,
                OccurredAt = Time.FormValue(old.Details.OccurredAt),
                DoctorId = old.DoctorId,
                Ward = old.Details.Ward,
                Bed = old.Details.Bed,
                Reason = old.Details.Reason,
                Notes = old.Details.Notes,
                Diagnosis = old.Details.Diagnosis,
                Summary = old.Details.Summary,
            };
        }
        else if (!string.IsNullOrWhiteSpace(corrects))
        {
            FormError = Web.QueryValues.Join(FormError, Web.QueryValues.NotUnderstood(corrects, "an entry of this patient", "corrects: an entry id", "a new entry is shown"));
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        var outcome = await encounters.AddAsync(Me, id, Input, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        Flash = "Entry saved.";
        return Redirect($"/patients/{id}");
    }

    private IActionResult? Load(string id)
    {
        var patient = patients.GetPatient(Me, id);
        if (!patient.IsOk) return Failure(patient, Page);
        if (Me.Role is not (Role.Admin or Role.Doctor)) return Denied("Only staff add entries.");
        Patient = patient.Value;
        FreeBeds = wards.FreeBeds();
        Doctors = Me.Role == Role.Doctor
            ? doctors.Get(Me, Me.UserId).Value is { } self ? [self] : []
            : doctors.List(Me, new DoctorQuery(PageSize: 200)).Items;
        return null;
    }
}
