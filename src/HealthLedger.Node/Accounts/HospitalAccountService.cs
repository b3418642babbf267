using HealthLedger.Core.Records;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Accounts;

/// <summary>
/// The hospital account of each patient: charges and payments (account lines among the entries) in date order with a
/// running balance; corrected lines are replaced by their corrections in the totals (and listed apart, <see cref="AccountView.Superseded"/>). Lines are added through <see cref="EncounterService"/>.
/// </summary>
public sealed class HospitalAccountService(EncounterService encounters, PatientService patients, RecordAccess access)
{
    /// <summary>A patient's account, if the actor may read the patient's account (encounters are not needed).</summary>
    public Outcome<AccountView> Account(UserSession actor, string patientId)
    {
        var entries = encounters.Entries(actor, patientId, ConsentCategories.Account, "account");
        return entries.IsOk ? Outcome<AccountView>.Ok(Build(patientId, entries.Value!)) : entries.As<AccountView>();
    }

    /// <summary>Adds a charge (service, date, quantity, unit price) or a correction of one (admins).</summary>
    public Task<Outcome<EntryView>> AddChargeAsync(UserSession actor, string patientId, EntryInput input, CancellationToken ct)
    {
        input.Type = nameof(EntryType.Charge);
        return encounters.AddAsync(actor, patientId, input, ct);
    }

    /// <summary>Adds a payment (date, amount, method) or a correction of one (admins).</summary>
    public Task<Outcome<EntryView>> AddPaymentAsync(UserSession actor, string patientId, EntryInput input, CancellationToken ct)
    {
        input.Type = nameof(EntryType.Payment);
        return encounters.AddAsync(actor, patientId, input, ct);
    }

    /// <summary>Builds an account from entries (other entry types are left out; corrected lines count in no total and are listed in <see cref="AccountView.Superseded"/>).</summary>
    public static AccountView Build(string patientId, IEnumerable<EntryView> entries)
    {
        var lines = new List<AccountLine>();
        decimal balance = 0, charges = 0, payments = 0;
        foreach (var e in entries.Where(e => e.IsEffective && e.Type.IsAccountLine()).OrderBy(e => e.Details.OccurredAt).ThenBy(e => e.Proof.Height).ThenBy(e => e.Id, StringComparer.Ordinal))
        {
            var amount = e.Details.AccountEffect(e.Type);
            balance += amount;
            if (amount >= 0) charges += amount;
            else payments -= amount;
            lines.Add(new AccountLine(e, amount, balance));
        }
        return new AccountView(patientId, lines, charges, payments, balance)
        {
            Superseded = entries.Where(e => !e.IsEffective && e.Type.IsAccountLine()).OrderBy(e => e.Details.OccurredAt).ThenBy(e => e.Proof.Height).ThenBy(e => e.Id, StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>Every patient's account totals, searchable and sortable (admins); each patient on the page is recorded as a disclosure.</summary>
    public Outcome<Page<AccountSummary>> List(UserSession actor, AccountQuery query)
    {
        var all = encounters.OrganisationEntries(actor, "list the accounts of");
        if (!all.IsOk) return all.As<Page<AccountSummary>>();
        var entries = all.Value!.ToLookup(e => e.PatientId);
        IEnumerable<AccountSummary> list = patients.OrganisationPatients(actor, "list the accounts of").Value!.Select(p =>
        {
            var account = Build(p.Id, entries[p.Id]);
            return new AccountSummary(p, account.Charges, account.Payments, account.Balance, account.Lines.Count);
        });
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var q = query.Search.Trim();
            list = list.Where(a => TextFolding.Contains(a.Patient.Details.FullName, q) || a.Patient.Details.Mrn.Contains(q, StringComparison.OrdinalIgnoreCase));
        }
        if (query.OutstandingOnly) list = list.Where(a => a.Balance > 0);
        // Ties broken by patient id: one order on every node and after every start (the patients' own order is not), so
        // that pages neither repeat nor skip a patient.
        var sorted = ((query.Sort ?? "balance").ToLowerInvariant() switch
        {
            "charges" => list.OrderBy(a => a.Charges),
            "payments" => list.OrderBy(a => a.Payments),
            "name" => list.OrderBy(a => a.Patient.Details.FullName, StringComparer.OrdinalIgnoreCase),
            _ => list.OrderBy(a => a.Balance),
        }).ThenBy(a => a.Patient.Id, StringComparer.Ordinal);
        var page = Paging.Of((query.Descending ? sorted.Reverse() : sorted).ToList(), query.Page, query.PageSize);
        access.RecordReads(actor, page.Items.Select(a => (a.Patient.Id, a.Patient.OrganisationId)), "account list", ConsentCategories.Account);
        return Outcome<Page<AccountSummary>>.Ok(page);
    }
}
