using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class PatientsIndexModel(PatientService patients) : HospitalPage
{
    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Condition { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Sort { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Desc { get; set; }

    [BindProperty(SupportsGet = true, Name = "page")]
    public int PageNumber { get; set; } = 1;

    public Page<PatientView> Result { get; private set; } = new([], 0, 1, 20);

    public DateOnly Today => Time.Today;

    public IActionResult OnGet()
    {
        var outcome = patients.List(Me, new PatientQuery(Search, Condition, Sort, Desc, PageNumber, 20));
        if (!outcome.IsOk) return Failure(outcome, Page);
        Result = outcome.Value!;
        return Page();
    }
}
