using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Expenses;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Expenses;

/// <summary>The expenses of a month with their status, the form to record one (with its invoice), approvals for a second admin, the threshold and the budgets (accountants, admins; auditors read).</summary>
[Web.FileSizeLimit(ExpenseInput.MaxInvoiceBytes, Handler = "Record")]
public sealed class IndexModel(ExpenseService service) : HospitalPage
{
    [BindProperty]
    public ExpenseInput Expense { get; set; } = new();

    [BindProperty]
    public IFormFile? InvoiceFile { get; set; }

    [BindProperty]
    public BudgetInput Budget { get; set; } = new();

    [BindProperty]
    public ExpensePolicyInput Policy { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? Month { get; set; }

    public IReadOnlyList<ExpenseView> Expenses { get; private set; } = [];

    public IReadOnlyList<BudgetState> Budgets { get; private set; } = [];

    public IReadOnlyList<string> Departments { get; private set; } = [];

    public decimal Threshold { get; private set; }

    public bool CanWrite => Me.Role is Role.Accountant or Role.Admin;

    public bool IsAdmin => Me.Role == Role.Admin;

    public IActionResult OnGet()
    {
        if (Load() is { } failed) return failed;
        Expense = new ExpenseInput { Date = Time.Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), PaymentMethod = "bank-transfer", Category = "supplies" };
        Budget = new BudgetInput { Month = Month };
        Policy = new ExpensePolicyInput { Threshold = Threshold };
        return Page();
    }

    public async Task<IActionResult> OnPostRecordAsync(CancellationToken ct)
    {
        if (Load() is { } failed) return failed;
        if (InvoiceFile is { Length: > 0 } file)
        {
            if (file.Length > ExpenseInput.MaxInvoiceBytes)
            {
                ModelState.AddModelError("Expense.Invoice", $"The invoice file is {file.Length:N0} bytes; at most {ExpenseInput.MaxInvoiceBytes:N0} (512 KiB) are accepted.");
                FormError = "Please correct the fields marked below.";
                return Page();
            }
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, ct);
            Expense.Invoice = new InvoiceUpload { FileName = file.FileName, Content = buffer.ToArray() };
        }
        else if (InvoiceFile is { Length: 0, FileName.Length: > 0 } empty)
        {
            // A chosen but empty file: validation refuses it ("The invoice file is empty") instead of recording the expense without it.
            Expense.Invoice = new InvoiceUpload { FileName = empty.FileName, Content = [] };
        }
        var outcome = await service.RecordAsync(Me, Expense, ct);
        if (!outcome.IsOk)
        {
            AddErrors(outcome.Errors, "Expense");
            return Failure(WithoutFields(outcome), Page);
        }
        var x = outcome.Value!;
        Flash = x.Status == ExpenseStatus.PendingApproval
            ? $"Expense of {Money(x.Amount)} to {x.Details.Vendor} recorded; it is above the threshold of {Money(x.Threshold)} and is awaiting approval by a second admin."
            : $"Expense of {Money(x.Amount)} to {x.Details.Vendor} recorded and approved.";
        return Redirect($"/expenses?month={x.Date:yyyy-MM}");
    }

    public Task<IActionResult> OnPostApproveAsync(string id, CancellationToken ct) => ReviewAsync(id, approve: true, ct);

    public Task<IActionResult> OnPostRejectAsync(string id, CancellationToken ct) => ReviewAsync(id, approve: false, ct);

    private async Task<IActionResult> ReviewAsync(string id, bool approve, CancellationToken ct)
    {
        if (Load() is { } failed) return failed;
        var outcome = await service.ReviewAsync(Me, id, approve, ct);
        if (!outcome.IsOk) return Failure(WithoutFields(outcome, (outcome.Errors?.ToDictionary().Values.SelectMany(v => v).FirstOrDefault())), Page);
        Flash = $"Expense {id} {(approve ? "approved" : "rejected")}.";
        return Redirect($"/expenses?month={outcome.Value!.Date:yyyy-MM}");
    }

    public async Task<IActionResult> OnPostBudgetAsync(CancellationToken ct)
    {
        if (Load() is { } failed) return failed;
        var outcome = await service.SetBudgetAsync(Me, Budget, ct);
        if (!outcome.IsOk)
        {
            AddErrors(outcome.Errors, "Budget");
            return Failure(WithoutFields(outcome), Page);
        }
        Flash = $"Budget of {Money(HealthLedger.Node.Expenses.Money.FromMinor(outcome.Value!.AmountMinor))} set for {outcome.Value!.Department} in {BudgetInput.FormatMonth(outcome.Value.Month)}.";
        return Redirect($"/expenses?month={BudgetInput.FormatMonth(outcome.Value.Month)}");
    }

    public async Task<IActionResult> OnPostPolicyAsync(CancellationToken ct)
    {
        if (Load() is { } failed) return failed;
        var outcome = await service.SetThresholdAsync(Me, Policy, ct);
        if (!outcome.IsOk)
        {
            AddErrors(outcome.Errors, "Policy");
            return Failure(WithoutFields(outcome), Page);
        }
        Flash = $"Approval threshold set to {Money(outcome.Value)}: expenses above it wait for a second admin.";
        return Redirect("/expenses");
    }

    public IActionResult OnGetInvoice(string id)
    {
        var outcome = service.Invoice(Me, id);
        if (!outcome.IsOk) return Failure(outcome, Page);
        var (content, name, type) = outcome.Value;
        return File(content, type, name);
    }

    // The forms name their own fields (Expense.*, Budget.*, Policy.*); the outcome's message still shows at the top.
    private static Outcome<T> WithoutFields<T>(Outcome<T> outcome, string? message = null) =>
        outcome.Kind switch
        {
            OutcomeKind.Invalid => Outcome<T>.Conflict(new FieldErrors(), "Please correct the fields marked below."),
            OutcomeKind.Conflict or OutcomeKind.Unprocessable => Outcome<T>.Conflict(new FieldErrors(), message ?? outcome.Message ?? ""),
            _ => outcome,
        };

    private IActionResult? Load()
    {
        var (month, problem) = BudgetInput.ForQuery(Month, service.ThisMonth);
        FormError ??= problem;
        Month = BudgetInput.FormatMonth(month);
        var list = service.List(Me, month);
        if (!list.IsOk) return Failure(list, Page);
        Expenses = list.Value!;
        Budgets = service.Budgets(Me, month).Value!;
        Threshold = service.Threshold(Me).Value;
        Departments = service.KnownDepartments(Me.OrganisationId);
        return null;
    }
}
