using HealthLedger.Core.Model;
using HealthLedger.Node.Fhir.Import;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Import;

/// <summary>
/// Import of existing records (admins): FHIR R4 Bundle files (e.g. Synthea) uploaded and imported through the real
/// transaction path by the same <see cref="FhirImporter"/> as <c>healthledger import</c>, with a dry run, and the same
/// report: per resource type what was (or would be) created, what was already there and what could not be mapped, and why.
/// Every file is parsed before anything is written.
/// </summary>
[RequestSizeLimit(MaxUpload)]
[RequestFormLimits(MultipartBodyLengthLimit = MaxUpload)]
public sealed class ImportIndexModel(FhirImporter importer) : HospitalPage
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

    /// <summary>The report of the last run.</summary>
    public FhirImportReport? Report { get; private set; }

    /// <summary>How many files the report covers.</summary>
    public int FileCount { get; private set; }

    public IActionResult OnGet()
    {
        if (Me.Role != Role.Admin) return Denied(null);
        DryRun = true;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Me.Role != Role.Admin) return Denied(null);
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
        var outcome = await importer.ImportAsync(Me, bundles, new FhirImportOptions(DryRun, Doctor), null, ct);
        if (!outcome.IsOk)
        {
            FormError = "Nothing imported: " + (outcome.Errors is { IsEmpty: false } errors ? string.Join(" ", errors.ToDictionary().SelectMany(e => e.Value)) : outcome.Message);
            return Page();
        }
        Report = outcome.Value;
        FileCount = Files.Count;
        return Page();
    }
}
