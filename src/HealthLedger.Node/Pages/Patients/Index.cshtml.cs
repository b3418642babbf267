using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

/// <summary>
/// The patient list (<c>/patients</c>): search, condition, sort (name, age, mrn, registered), desc and page, 20 a page. A
/// sort, desc or page value the list does not understand is named on the page with what is shown instead
/// (<see cref="QueryValues"/>); a page past the last shows the last with a note.
/// </summary>
public sealed class PatientsIndexModel(PatientService patients) : HospitalPage
{
    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Condition { get; set; }

    /// <summary>The sort order (<see cref="PatientQuery.SortKeys"/>; null: by name).</summary>
    public string? Sort { get; private set; }

    /// <summary>True for descending order (<c>?desc=true</c>).</summary>
    public bool Desc { get; private set; }

    /// <summary>The page asked for (<c>?page=</c>, from 1).</summary>
    public int PageNumber { get; private set; } = 1;

    public Page<PatientView> Result { get; private set; } = new([], 0, 1, 20);

    public DateOnly Today => Time.Today;

    public IActionResult OnGet()
    {
        string? sortProblem, descProblem, pageProblem;
        (Sort, sortProblem) = QueryValues.ChoiceForPage("sort", "a sort order", QueryValue("sort"), PatientQuery.SortKeys, "the list is sorted by name");
        (Desc, descProblem) = QueryValues.FlagForPage("desc", QueryValue("desc"), false, "ascending order is shown");
        (PageNumber, pageProblem) = QueryValues.PageForPage(QueryValue("page"));
        FormError = QueryValues.Join(sortProblem, descProblem, pageProblem);
        var outcome = patients.List(Me, new PatientQuery(Search, Condition, Sort, Desc, PageNumber, 20));
        if (!outcome.IsOk) return Failure(outcome, Page);
        Result = outcome.Value!;
        QueryNote = QueryValues.BeyondLast(PageNumber, Result);
        return Page();
    }
}
