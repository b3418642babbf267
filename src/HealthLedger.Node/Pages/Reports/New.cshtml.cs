using HealthLedger.Node.Configuration;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Patients;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Reports;

[Web.DocumentUpload]
public sealed class NewReportModel(PatientService patients, ReportService reports, NodeOptions options) : HospitalPage
{
    [BindProperty]
    public ReportInput Input { get; set; } = new() { Type = "lab" };

    [BindProperty(SupportsGet = true)]
    public string? Amends { get; set; }

    public PatientView? Patient { get; private set; }

    public string? FileError { get; private set; }

    public long MaxMegabytes => options.MaxDocumentBytes / (1024 * 1024);

    public IActionResult OnGet(string id)
    {
        if (Load(id) is { } failed) return failed;
        if (Amends is not null && reports.Get(Me, Amends).Value?.LastOrDefault() is { } previous)
        {
            var c = previous.Content;
            Input = new ReportInput
            {
                Type = ReportInput.TypeName(previous.Type),
                Title = c.Title,
                Summary = c.Summary,
                LabResults = c.LabResults.ToList(),
                Drug = c.Prescription?.Drug,
                Dose = c.Prescription?.Dose,
                Route = c.Prescription?.Route,
                Frequency = c.Prescription?.Frequency,
                Duration = c.Prescription?.Duration,
            };
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, IFormFile? file, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        if (Request.HasFormContentType && Request.Form.Files.GetFiles("file").Count > 1)
        {
            FileError = "Attach one file to a report.";
            return Page();
        }
        await using var stream = file is { Length: > 0 } ? file.OpenReadStream() : null;
        var outcome = await reports.AddAsync(Me, id, Input, stream is null ? null : new UploadedFile(stream, file!.FileName, file.ContentType ?? ""), Amends, ct);
        if (!outcome.IsOk)
        {
            FileError = outcome.Errors?.ToDictionary().TryGetValue("file", out var messages) == true ? string.Join(" ", messages) : null;
            return Failure(outcome, Page);
        }
        Flash = "Report signed and recorded.";
        return Redirect($"/reports/{outcome.Value!.Id}");
    }

    private IActionResult? Load(string id)
    {
        // The form shows the patient's name: recorded as a disclosure, as the entry form's is (break-test, 2026-12-07: it was shown unrecorded).
        var patient = patients.GetPatient(Me, id, Core.Records.ConsentCategories.Reports, "report form");
        if (!patient.IsOk) return Failure(patient, Page);
        if (Amends is null && Me.Role != Core.Model.Role.Doctor) return Denied("Only doctors add medical reports.");
        if (Amends is not null && !reports.MayAmend(Me, Amends)) return Denied(Core.Transactions.Kinds.AddReportHandler.AmendRule[..1].ToUpperInvariant() + Core.Transactions.Kinds.AddReportHandler.AmendRule[1..] + ".");
        Patient = patient.Value;
        return null;
    }
}
