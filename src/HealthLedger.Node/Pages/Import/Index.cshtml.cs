using HealthLedger.Core.Model;
using HealthLedger.Node.Fhir.Import;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Import;

/// <summary>
/// Import of existing records (admins): FHIR R4 Bundle files (e.g. Synthea) uploaded and imported through the real
/// transaction path by the same <see cref="FhirImporter"/> as <c>healthledger import</c>, with a dry run. Every file is
/// parsed here, in the request (a bad file: one error on this page, nothing written); the import itself runs in the node's
/// background (<see cref="FhirImportJobs"/>, one at a time) and the answer is the job's page, <c>/import/jobs/{id}</c>, with
/// its progress and, when done, the report: per resource type what was (or would be) created, what was already there and
/// what could not be mapped, and why.
/// </summary>
[RequestSizeLimit(MaxUpload)]
[RequestFormLimits(MultipartBodyLengthLimit = MaxUpload)]
public sealed class ImportIndexModel(FhirImportJobs jobs) : HospitalPage
{
    /// <summary>The most the files of one upload may hold together (64 MiB).</summary>
    public const long MaxUpload = 64L * 1024 * 1024;

    /// <summary>The uploaded Bundles.</summary>
    [BindProperty]
    public List<IFormFile> Files { get; set; } = [];

    /// <summary>Check only.</summary>
    [BindProperty]
    public bool DryRun { get; set; }

    /// <summary>The doctor of encounters whose practitioner is unknown.</summary>
    [BindProperty]
    public string? Doctor { get; set; }

    /// <summary>The import running on this node, if any (shown above the form).</summary>
    public FhirImportJob? Running { get; private set; }

    public IActionResult OnGet()
    {
        if (Me.Role != Role.Admin) return Denied(null);
        DryRun = true;
        Running = jobs.Running is { } running && jobs.Find(Me, running.Id) is not null ? running : null;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Me.Role != Role.Admin) return Denied(null);
        Running = jobs.Running is { } running && jobs.Find(Me, running.Id) is not null ? running : null;
        if (Files.Count == 0)
        {
            FormError = "Choose one or more FHIR Bundle files.";
            return Page();
        }
        var bundles = new List<Hl7.Fhir.Model.Bundle>();
        foreach (var file in Files)
        {
            using var reader = new StreamReader(file.OpenReadStream());
            var (bundle, error) = FhirImporter.Parse(Path.GetFileName(file.FileName), await reader.ReadToEndAsync(ct));
            if (bundle is null)
            {
                FormError = "Nothing imported: " + error;
                return Page();
            }
            bundles.Add(bundle);
        }
        var started = jobs.Start(Me, bundles, Files.Count, new FhirImportOptions(DryRun, Doctor));
        if (!started.IsOk)
        {
            if (started.Kind == OutcomeKind.Forbidden) return Denied(started.Message);
            FormError = started.Kind == OutcomeKind.Busy ? started.Message
                : "Nothing imported: " + (started.Errors is { IsEmpty: false } errors ? string.Join(" ", errors.ToDictionary().SelectMany(e => e.Value)) : started.Message);
            return Page();
        }
        return Redirect($"/import/jobs/{started.Value!.Id}");
    }
}
