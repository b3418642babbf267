using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Patients;
using HealthLedger.Node.PatientSummary;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class PatientDetailsModel(PatientRecordService records, PatientService patients, ReportService reports, PatientRecordPrintouts printouts,
    Fhir.Export.FhirEverything everything) : HospitalPage
{
    /// <summary>Every version of the demographics, oldest first (content null when not shared with the reader).</summary>
    public IReadOnlyList<OpenedVersion<PatientDetails>> Versions { get; private set; } = [];

    /// <summary>The demographics edit form (admins of the patient's organisation): prefilled with the current version and its number (hidden).</summary>
    [BindProperty]
    public PatientInput Edit { get; set; } = new();

    /// <summary>True when the reader may edit the demographics.</summary>
    public bool CanEdit => Me.Role == Core.Model.Role.Admin && Patient is { DemographicsShared: true } p && p.OrganisationId == Me.OrganisationId;

    public IReadOnlyList<ReportView> Reports { get; private set; } = [];
    public bool ReportsHidden { get; private set; }
    public PatientView? Patient { get; private set; }
    public IReadOnlyList<EntryView>? Encounters { get; private set; }
    public AccountView? Account { get; private set; }
    public string? OneTimePassword { get; private set; }
    public DateOnly Today => Time.Today;

    /// <summary>The patient's area tag (a site code of the organisation; "" when untagged).</summary>
    public string Area { get; private set; } = "";

    /// <summary>The area form's value (admins).</summary>
    [BindProperty]
    public string? AreaInput { get; set; }

    public IActionResult OnGet(string id)
    {
        var record = records.Get(Me, id);
        if (!record.IsOk) return Failure(record, Page);
        (Patient, Encounters, Account) = record.Value!;
        var list = reports.ForPatient(Me, id);
        Reports = list.Value ?? [];
        ReportsHidden = !list.IsOk;
        OneTimePassword = TempData["OneTimePassword"] as string;
        Area = patients.AreaOf(id);
        AreaInput ??= Area;
        Versions = patients.Versions(Me, id).Value ?? [];
        if (HttpMethods.IsGet(Request.Method) || Edit.Version is null)
        {
            var d = Patient!.Details;
            Edit = new PatientInput
            {
                Mrn = d.Mrn,
                FullName = d.FullName,
                DateOfBirth = d.DateOfBirth,
                Gender = d.Gender,
                Phone = d.Phone,
                Email = d.Email,
                Address = d.Address,
                Conditions = [.. d.Conditions],
                EmergencyContact = d.EmergencyContact,
                BloodGroup = d.BloodGroup,
                Allergies = d.Allergies,
                Medications = [.. d.Medications],
                Version = Patient.Version,
            };
        }
        return Page();
    }

    /// <summary>Saves the demographics as a new version, or shows the form again with its field errors (400) or the stale version named (409).</summary>
    public async Task<IActionResult> OnPostEditAsync(string id, CancellationToken ct)
    {
        var outcome = await patients.UpdateAsync(Me, id, Edit, null, ct);
        if (!outcome.IsOk)
        {
            // A stale version (409) or bad fields (400) answer with their status, so a client sees the edit was not saved.
            if (outcome.Kind is OutcomeKind.Invalid or OutcomeKind.Conflict) Response.StatusCode = outcome.Kind == OutcomeKind.Conflict ? 409 : 400;
            return Failure(outcome, () => OnGet(id), nameof(Edit));
        }
        Flash = "The demographics were saved as a new version.";
        return Redirect($"/patients/{id}");
    }

    /// <summary>The whole-record PDF (recorded on the chain before it is sent); a refusal is shown on the page.</summary>
    public async Task<IActionResult> OnGetRecordPdfAsync(string id, CancellationToken ct)
    {
        // Razor Pages run OnGet for a HEAD: the print would be recorded for nobody (Web.WritesWhenReadAttribute).
        if (Microsoft.AspNetCore.Http.HttpMethods.IsHead(Request.Method))
        {
            await Web.HeadRequests.RefuseHead(HttpContext);
            return new EmptyResult();
        }
        var printed = await printouts.PrintAsync(Me, id, ReportsApi.VerifyUrl(HttpContext), ct);
        if (printed.IsOk) return File(printed.Value!.Pdf, "application/pdf", printed.Value.FileName);
        return printed.Kind is OutcomeKind.Forbidden or OutcomeKind.NotFound ? Failure(printed, Page) : Failure(printed, () => OnGet(id));
    }

    /// <summary>
    /// The patient's record as a FHIR R4 Bundle (the same searchset as <c>GET /fhir/R4/Patient/{id}/$everything</c>, recorded
    /// as a disclosure "FHIR $everything" when the reader is not the patient), downloaded as a JSON file.
    /// </summary>
    public IActionResult OnGetRecordFhir(string id)
    {
        var baseUrl = Fhir.FhirApi.BaseUrl(Request);
        var bundle = Fhir.Export.FhirExportApi.EverythingBundle(Me, id, baseUrl, $"{baseUrl}/Patient/{id}/$everything", everything);
        if (!bundle.IsOk) return bundle.Kind is OutcomeKind.Forbidden or OutcomeKind.NotFound ? Failure(bundle, Page) : Failure(bundle, () => OnGet(id));
        var json = Fhir.FhirFormats.Serialize(bundle.Value!, Fhir.FhirFormat.Json, pretty: true);
        var fileName = $"health-record-{id}-{Time.Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}.fhir.json";
        return File(System.Text.Encoding.UTF8.GetBytes(json), "application/fhir+json", fileName);
    }

    /// <summary>Sets or clears the patient's area tag (admins of their organisation).</summary>
    public async Task<IActionResult> OnPostAreaAsync(string id, CancellationToken ct)
    {
        var outcome = await patients.SetAreaAsync(Me, id, AreaInput, ct);
        if (!outcome.IsOk)
        {
            if (outcome.Kind == OutcomeKind.Invalid)
            {
                ModelState.AddModelError(nameof(AreaInput), outcome.Errors!.ToDictionary()["area"][0]);
                FormError = "Please correct the fields marked below.";
                Response.StatusCode = 400;
                return OnGet(id);
            }
            return Failure(outcome, () => OnGet(id));
        }
        Flash = patients.AreaOf(id) is { Length: > 0 } area ? $"The patient's area is now {area}." : "The patient's area tag was removed.";
        return Redirect($"/patients/{id}");
    }

    public async Task<IActionResult> OnPostResetPasswordAsync(string id, CancellationToken ct)
    {
        var outcome = await patients.ResetPasswordAsync(Me, id, ct);
        if (!outcome.IsOk) return Failure(outcome, () => OnGet(id));
        TempData["OneTimePassword"] = outcome.Value!.OneTimePassword;
        Flash = "A new one-time password was issued; the patient's sessions were ended.";
        return Redirect($"/patients/{id}");
    }
}
