using HealthLedger.Core.Records;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Patients;

public sealed class PatientAccountModel(HospitalAccountService accounts, PatientService patients) : HospitalPage
{
    [BindProperty]
    public EntryInput Charge { get; set; } = new();

    [BindProperty]
    public EntryInput Payment { get; set; } = new();

    public PatientView? Patient { get; private set; }

    public AccountView? Account { get; private set; }

    /// <summary>The line being corrected (the charge or payment form names it in <c>CorrectsId</c>), or null.</summary>
    public EntryView? Correcting => Account?.Lines.Select(l => l.Entry).FirstOrDefault(e =>
        (!string.IsNullOrEmpty(Charge.CorrectsId) && e.Id == Charge.CorrectsId) || (!string.IsNullOrEmpty(Payment.CorrectsId) && e.Id == Payment.CorrectsId));

    /// <summary>
    /// The account's rows in date order: its lines and, struck through in their place, the lines later corrected (display
    /// only: they count in no total; the ledger keeps both).
    /// </summary>
    public IReadOnlyList<(EntryView Entry, AccountLine? Line)> Rows => Account is null ? [] :
        Account.Lines.Select(l => (l.Entry, (AccountLine?)l)).Concat(Account.Superseded.Select(e => (e, (AccountLine?)null)))
            .OrderBy(r => r.Item1.Details.OccurredAt).ThenBy(r => r.Item1.Proof.Height).ThenBy(r => r.Item1.Id, StringComparer.Ordinal).ToList();

    /// <summary>The date of an entry of this account, for links between a corrected line and its correction.</summary>
    public string? DateOf(string? entryId) => Rows.FirstOrDefault(r => r.Entry.Id == entryId).Entry is { } e ? When(e.Details.OccurredAt) : null;

    public IActionResult OnGet(string id, string? corrects)
    {
        if (Load(id) is { } failed) return failed;
        var now = Time.FormNow();
        Charge = new EntryInput { OccurredAt = now, Quantity = 1 };
        Payment = new EntryInput { OccurredAt = now };
        if (corrects is not null && Account!.Lines.FirstOrDefault(l => l.Entry.Id == corrects)?.Entry is { } old)
        {
            var d = old.Details;
            if (old.Type == EntryType.Charge) Charge = new EntryInput { CorrectsId = old.Id, OccurredAt = Time.FormValue(d.OccurredAt), Service = d.Service, Quantity = d.Quantity, UnitPrice = d.UnitPrice };
            else Payment = new EntryInput { CorrectsId = old.Id, OccurredAt = Time.FormValue(d.OccurredAt), Amount = d.Amount, Method = d.Method, Deposit = d.Deposit };
        }
        else if (!string.IsNullOrWhiteSpace(corrects))
        {
            FormError = Web.QueryValues.NotUnderstood(corrects, "a line of this account", "corrects: a charge or payment id", "new charge and payment forms are shown");
        }
        return Page();
    }

    public Task<IActionResult> OnPostChargeAsync(string id, CancellationToken ct) => Add(id, Charge, "charge", "Charge", ct);

    public Task<IActionResult> OnPostPaymentAsync(string id, CancellationToken ct) => Add(id, Payment, "payment", "Payment", ct);

    private async Task<IActionResult> Add(string id, EntryInput input, string type, string prefix, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        var outcome = type == "charge" ? await accounts.AddChargeAsync(Me, id, input, ct) : await accounts.AddPaymentAsync(Me, id, input, ct);
        if (!outcome.IsOk)
        {
            if (outcome.Kind is OutcomeKind.Invalid or OutcomeKind.Conflict)
            {
                AddErrors(outcome.Errors, prefix);
                FormError = outcome.Kind == OutcomeKind.Conflict ? outcome.Message : "Please correct the fields marked below.";
                return Page();
            }
            return Failure(outcome, Page);
        }
        Flash = $"{char.ToUpperInvariant(type[0])}{type[1..]} recorded.";
        return Redirect($"/patients/{id}/account");
    }

    private IActionResult? Load(string id)
    {
        var account = accounts.Account(Me, id);
        if (!account.IsOk) return Failure(account, Page);
        Account = account.Value;
        Patient = patients.GetPatient(Me, id).Value;
        return null;
    }
}
