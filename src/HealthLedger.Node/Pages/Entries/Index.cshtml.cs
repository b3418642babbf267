using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Entries;

public sealed class EntriesIndexModel(EncounterService encounters, DoctorService doctors, PatientService patients) : HospitalPage
{
    [BindProperty(SupportsGet = true)]
    public string? Type { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? DoctorId { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    [BindProperty(SupportsGet = true, Name = "page")]
    public int PageNumber { get; set; } = 1;

    public Page<EntryView> Result { get; private set; } = new([], 0, 1, 50);

    public IReadOnlyList<DoctorView> Doctors { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public IActionResult OnGet()
    {
        var outcome = encounters.List(Me, new EntryQuery(Type, DoctorId, From, To, null, PageNumber, 50));
        if (outcome.Kind == OutcomeKind.Invalid)
        {
            AddErrors(outcome.Errors, prefix: "");
            FormError = "Please correct the filters.";
        }
        else if (!outcome.IsOk)
        {
            return Failure(outcome, Page);
        }
        else
        {
            Result = outcome.Value!;
        }
        Doctors = doctors.List(Me, new DoctorQuery(PageSize: 200)).Items;
        Names = (patients.OrganisationPatients(Me, "list the entries of").Value ?? []).ToDictionary(p => p.Id, p => p.Details.FullName);
        return Page();
    }
}
