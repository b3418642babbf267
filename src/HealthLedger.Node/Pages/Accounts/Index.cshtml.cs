using HealthLedger.Node.Accounts;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Accounts;

/// <summary>
/// Every patient's account totals (<c>/accounts</c>, admins): search, outstanding (true/false), sort (balance, charges,
/// payments, name), desc and page, 50 a page. A value the list does not understand is named on the page with what is shown
/// instead (<see cref="QueryValues"/>); a page past the last shows the last with a note.
/// </summary>
public sealed class AccountsIndexModel(HospitalAccountService accounts) : HospitalPage
{
    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    /// <summary>True to list only accounts with a balance owed (<c>?outstanding=true</c>).</summary>
    public bool Outstanding { get; private set; }

    /// <summary>The sort order (<see cref="AccountQuery.SortKeys"/>; default balance).</summary>
    public string? Sort { get; private set; } = "balance";

    /// <summary>True for descending order (the default).</summary>
    public bool Desc { get; private set; } = true;

    /// <summary>The page asked for (<c>?page=</c>, from 1).</summary>
    public int PageNumber { get; private set; } = 1;

    public Page<AccountSummary> Result { get; private set; } = new([], 0, 1, 50);

    public IActionResult OnGet()
    {
        string? outstandingProblem, sortProblem, descProblem, pageProblem;
        (Outstanding, outstandingProblem) = QueryValues.FlagForPage("outstanding", QueryValue("outstanding"), false, "every account is shown");
        (Sort, sortProblem) = QueryValues.ChoiceForPage("sort", "a sort order", QueryValue("sort"), AccountQuery.SortKeys, "the list is sorted by balance");
        Sort ??= "balance";
        (Desc, descProblem) = QueryValues.FlagForPage("desc", QueryValue("desc"), true, "descending order is shown");
        (PageNumber, pageProblem) = QueryValues.PageForPage(QueryValue("page"));
        FormError = QueryValues.Join(outstandingProblem, sortProblem, descProblem, pageProblem);
        var outcome = accounts.List(Me, new AccountQuery(Search, Outstanding, Sort, Desc, PageNumber, 50));
        if (!outcome.IsOk) return Failure(outcome, Page);
        Result = outcome.Value!;
        QueryNote = QueryValues.BeyondLast(PageNumber, Result);
        return Page();
    }
}
