using HealthLedger.Node.Accounts;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Accounts;

public sealed class AccountsIndexModel(HospitalAccountService accounts) : HospitalPage
{
    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Outstanding { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Sort { get; set; } = "balance";

    [BindProperty(SupportsGet = true)]
    public bool Desc { get; set; } = true;

    [BindProperty(SupportsGet = true, Name = "page")]
    public int PageNumber { get; set; } = 1;

    public Page<AccountSummary> Result { get; private set; } = new([], 0, 1, 50);

    public IActionResult OnGet()
    {
        var outcome = accounts.List(Me, new AccountQuery(Search, Outstanding, Sort, Desc, PageNumber, 50));
        if (!outcome.IsOk) return Failure(outcome, Page);
        Result = outcome.Value!;
        return Page();
    }
}
