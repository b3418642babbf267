using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Entries;

/// <summary>
/// The organisation's entries (<c>/entries</c>, admins): type, doctorId, from, to (yyyy-MM-dd) and page, 50 a page. A type,
/// date or page the list does not understand is named on the page with what is shown instead (<see cref="QueryValues"/>);
/// a "to" before "from" is marked at the field and lists nothing; a page past the last shows the last with a note.
/// </summary>
public sealed class EntriesIndexModel(EncounterService encounters, DoctorService doctors, PatientService patients) : HospitalPage
{
    /// <summary>The entry type shown (admission, visit, …; null: every type).</summary>
    public string? Type { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? DoctorId { get; set; }

    /// <summary>The first day shown (<c>?from=</c>), or null.</summary>
    public DateOnly? From { get; private set; }

    /// <summary>The last day shown (<c>?to=</c>), or null.</summary>
    public DateOnly? To { get; private set; }

    /// <summary>The page asked for (<c>?page=</c>, from 1).</summary>
    public int PageNumber { get; private set; } = 1;

    /// <summary>The entry types of the type filter.</summary>
    public static IReadOnlyList<string> Types { get; } = ["admission", "visit", "transfer", "discharge", "charge", "payment"];

    public Page<EntryView> Result { get; private set; } = new([], 0, 1, 50);

    public IReadOnlyList<DoctorView> Doctors { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public IActionResult OnGet()
    {
        string? typeProblem, fromProblem, toProblem, pageProblem;
        (Type, typeProblem) = QueryValues.ChoiceForPage("type", "an entry type", QueryValue("type"), Types, "entries of every type are shown");
        (From, fromProblem) = QueryValues.DateForPage("from", QueryValue("from"), "entries are shown without a first day");
        (To, toProblem) = QueryValues.DateForPage("to", QueryValue("to"), "entries are shown without a last day");
        (PageNumber, pageProblem) = QueryValues.PageForPage(QueryValue("page"));
        FormError = QueryValues.Join(typeProblem, fromProblem, toProblem, pageProblem);
        var outcome = encounters.List(Me, new EntryQuery(Type, DoctorId, From, To, null, PageNumber, 50));
        if (outcome.Kind == OutcomeKind.Invalid)
        {
            AddErrors(outcome.Errors, prefix: "");
            FormError = QueryValues.Join(FormError, "Please correct the filters.");
        }
        else if (!outcome.IsOk)
        {
            return Failure(outcome, Page);
        }
        else
        {
            Result = outcome.Value!;
            QueryNote = QueryValues.BeyondLast(PageNumber, Result);
        }
        Doctors = doctors.List(Me, new DoctorQuery(PageSize: 200)).Items;
        Names = (patients.OrganisationPatients(Me, "list the entries of").Value ?? []).ToDictionary(p => p.Id, p => p.Details.FullName);
        return Page();
    }
}
