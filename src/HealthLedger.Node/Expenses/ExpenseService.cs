using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using HealthLedger.Node.Wards;
using ExpenseRules = HealthLedger.Core.Records.Expenses;

namespace HealthLedger.Node.Expenses;

/// <summary>
/// The hospital's expenses: accountants and admins record them (vendor, description and invoice sealed for the
/// organisation), an admin other than the recorder approves or rejects those above the organisation's threshold, budgets
/// per department and month, and the income-and-expenditure report. Accountants, admins and auditors read. Every rule the
/// state machine enforces is checked here first against the committed state, so a refusal writes nothing; the state
/// machine decides at block time.
/// </summary>
public sealed class ExpenseService(LedgerNode node, ExpenseStore expenses, BudgetStore budgets, WardStore wards, PatientDirectory directory, EntryStore entries,
    RecordWriter writer, RecordAccess access, OrganisationKeys organisation, HospitalTime time)
{
    /// <summary>The department of charges posted without a ward.</summary>
    public const string NoDepartment = "(no department)";

    private static bool Writes(UserSession actor) => actor.Role is Role.Accountant or Role.Admin;

    private static bool Reads(UserSession actor) => actor.Role is Role.Accountant or Role.Admin or Role.Auditor;

    /// <summary>The organisation's approval threshold (accountants, admins, auditors).</summary>
    public Outcome<decimal> Threshold(UserSession actor) =>
        Reads(actor) ? Outcome<decimal>.Ok(Money.FromMinor(ExpenseRules.Threshold(new NodeState(node), actor.OrganisationId)))
            : access.Forbid<decimal>(actor, "read the expense policy of", actor.OrganisationId);

    /// <summary>Sets the approval threshold (admins).</summary>
    public async Task<Outcome<decimal>> SetThresholdAsync(UserSession actor, ExpensePolicyInput input, CancellationToken ct)
    {
        if (actor.Role != Role.Admin) return access.Forbid<decimal>(actor, "set the expense approval threshold of", actor.OrganisationId);
        var e = new FieldErrors();
        ExpenseInput.CheckAmount(e, "threshold", input.Threshold, positive: false);
        if (!e.IsEmpty) return Outcome<decimal>.Invalid(e);
        var written = await writer.SubmitAsync(actor, new SetExpensePolicyPayload(actor.OrganisationId, Money.ToMinor(input.Threshold!.Value)), RecordWriter.NoBlobs, actor.OrganisationId, ct);
        return written.IsOk ? Outcome<decimal>.Ok(input.Threshold.Value) : written.As<decimal>();
    }

    /// <summary>The organisation's expenses, newest first, optionally of one month (yyyymm), department and status (accountants, admins, auditors).</summary>
    public Outcome<IReadOnlyList<ExpenseView>> List(UserSession actor, int? month = null, string? department = null, ExpenseStatus? status = null)
    {
        if (!Reads(actor)) return access.Forbid<IReadOnlyList<ExpenseView>>(actor, "read the expenses of", actor.OrganisationId);
        IEnumerable<ExpenseView> list = expenses.Expenses(actor.OrganisationId);
        if (month is { } m) list = list.Where(x => x.Date.Year * 100 + x.Date.Month == m);
        if (!string.IsNullOrWhiteSpace(department)) list = list.Where(x => ExpenseRules.DepartmentKey(x.Department) == ExpenseRules.DepartmentKey(department));
        if (status is { } s) list = list.Where(x => x.Status == s);
        return Outcome<IReadOnlyList<ExpenseView>>.Ok(list.ToList());
    }

    /// <summary>One expense of the organisation; 404 otherwise (accountants, admins, auditors).</summary>
    public Outcome<ExpenseView> Get(UserSession actor, string id)
    {
        if (!Reads(actor)) return access.Forbid<ExpenseView>(actor, "read the expenses of", actor.OrganisationId);
        return expenses.Expense(id) is { } x && x.OrganisationId == actor.OrganisationId
            ? Outcome<ExpenseView>.Ok(x)
            : Outcome<ExpenseView>.NotFound($"Expense '{Missing.Shown(id)}' does not exist.");
    }

    /// <summary>Records an expense (accountants, admins); above the threshold it waits for a second admin.</summary>
    public async Task<Outcome<ExpenseView>> RecordAsync(UserSession actor, ExpenseInput input, CancellationToken ct)
    {
        if (!Writes(actor)) return access.Forbid<ExpenseView>(actor, "record the expenses of", actor.OrganisationId);
        var (value, errors) = input.Validate(time.Today);
        if (value is null) return Outcome<ExpenseView>.Invalid(errors);
        var id = RecordIds.New("exp");
        var (reference, ciphertext) = RecordSealer.Seal(id, 1, value.Details, organisation.EncryptionKey);
        var blobs = RecordWriter.Blobs(reference, ciphertext);
        Hash256? invoiceHash = null;
        SealedRecordRef? invoice = null;
        if (value.Invoice is { } file)
        {
            (invoice, var sealedFile) = SealFile(ExpenseState.InvoiceRecordId(id), file);
            invoiceHash = Hashing.Sha256(file);
            blobs[invoice.CiphertextHash] = sealedFile;
        }
        var day = value.Date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        var payload = new RecordExpensePayload(id, actor.OrganisationId, day, value.Category, value.Department, Money.ToMinor(value.Amount), value.PaymentMethod, reference,
            invoiceHash, invoice);
        var written = await writer.SubmitAsync(actor, payload, blobs, id, ct);
        if (!written.IsOk) return written.As<ExpenseView>();
        return expenses.Expense(id) is { } x ? Outcome<ExpenseView>.Ok(x) : Outcome<ExpenseView>.Failed($"Expense {id} was committed but this node cannot open it.");
    }

    /// <summary>
    /// Approves (or with <paramref name="approve"/> false rejects) an expense awaiting approval: admins other than the one
    /// who recorded it. 404 unknown; 403 not an admin; 422 (field <c>approver</c>) the recorder; 409 (field <c>status</c>) not pending.
    /// </summary>
    public async Task<Outcome<ExpenseView>> ReviewAsync(UserSession actor, string id, bool approve, CancellationToken ct)
    {
        var verb = approve ? "approve" : "reject";
        if (!Reads(actor)) return access.Forbid<ExpenseView>(actor, verb + " the expenses of", actor.OrganisationId);
        if (expenses.Expense(id) is not { } x || x.OrganisationId != actor.OrganisationId) return Outcome<ExpenseView>.NotFound($"Expense '{Missing.Shown(id)}' does not exist.");
        if (actor.Role != Role.Admin) return access.Forbid<ExpenseView>(actor, verb + " the expenses of", actor.OrganisationId);
        if (x.RecordedBy == actor.UserId)
        {
            return Outcome<ExpenseView>.Unprocessable(FieldErrors.One("approver", $"You recorded this expense; an admin other than you must {verb} it."),
                $"A second admin must {verb} expense {id}.");
        }
        if (x.Status != ExpenseStatus.PendingApproval)
        {
            return Outcome<ExpenseView>.Conflict(FieldErrors.One("status", $"The expense is {x.StatusText}; only one awaiting approval can be approved or rejected."),
                $"Expense {id} is {x.StatusText}.");
        }
        var written = await writer.SubmitAsync(actor, approve ? new ApproveExpensePayload(id) : new RejectExpensePayload(id), RecordWriter.NoBlobs, id, ct);
        if (!written.IsOk) return written.As<ExpenseView>();
        return expenses.Expense(id) is { } after ? Outcome<ExpenseView>.Ok(after) : Outcome<ExpenseView>.Failed($"Expense {id} was committed but this node cannot open it.");
    }

    /// <summary>The invoice of an expense, decrypted and checked against the SHA-256 on the chain (accountants, admins, auditors); 404 without one.</summary>
    public Outcome<(byte[] Content, string FileName, string ContentType)> Invoice(UserSession actor, string id)
    {
        var found = Get(actor, id);
        if (!found.IsOk) return found.As<(byte[], string, string)>();
        var x = found.Value!;
        if (x.Invoice is null || x.InvoiceSha256 is null) return Outcome<(byte[], string, string)>.NotFound($"Expense {id} has no invoice.");
        var ciphertext = node.Store.ReadBlob(x.Invoice.CiphertextHash);
        var plaintext = ciphertext is null ? null : RecordSealer.OpenBytes(ExpenseState.InvoiceRecordId(id), 1, x.Invoice, ciphertext, organisation.Keys.Encryption);
        if (plaintext is null || Hashing.Sha256(plaintext) != x.InvoiceSha256.Value)
        {
            return Outcome<(byte[], string, string)>.Failed($"The invoice of expense {id} does not match the SHA-256 on the chain; it is not served.");
        }
        return Outcome<(byte[], string, string)>.Ok((plaintext, x.Details.InvoiceFileName, x.Details.InvoiceContentType));
    }

    /// <summary>The budgets of a month (yyyymm) (accountants, admins, auditors).</summary>
    public Outcome<IReadOnlyList<BudgetState>> Budgets(UserSession actor, int month) =>
        Reads(actor) ? Outcome<IReadOnlyList<BudgetState>>.Ok(budgets.Budgets(actor.OrganisationId, month))
            : access.Forbid<IReadOnlyList<BudgetState>>(actor, "read the budgets of", actor.OrganisationId);

    /// <summary>Sets a department's budget for a month (accountants, admins).</summary>
    public async Task<Outcome<BudgetState>> SetBudgetAsync(UserSession actor, BudgetInput input, CancellationToken ct)
    {
        if (!Writes(actor)) return access.Forbid<BudgetState>(actor, "set the budgets of", actor.OrganisationId);
        var (month, department, amount, errors) = input.Validate();
        if (!errors.IsEmpty) return Outcome<BudgetState>.Invalid(errors);
        var written = await writer.SubmitAsync(actor, new SetBudgetPayload(actor.OrganisationId, month, department, Money.ToMinor(amount)), RecordWriter.NoBlobs, department, ct);
        if (!written.IsOk) return written.As<BudgetState>();
        var key = ExpenseRules.DepartmentKey(department);
        return budgets.Budgets(actor.OrganisationId, month).FirstOrDefault(b => ExpenseRules.DepartmentKey(b.Department) == key) is { } b
            ? Outcome<BudgetState>.Ok(b) : Outcome<BudgetState>.Failed("The budget was committed but the read model does not hold it.");
    }

    /// <summary>Departments to offer in forms: the wards, the budgeted departments and those of earlier expenses.</summary>
    public IReadOnlyList<string> KnownDepartments(string organisationId) =>
        wards.Get(organisationId).List.Wards.Select(w => w.Name).Concat(budgets.Departments(organisationId)).Concat(expenses.Expenses(organisationId).Select(e => e.Department))
            .Where(ExpenseRules.IsDepartment).DistinctBy(ExpenseRules.DepartmentKey).Order(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// The income-and-expenditure report of month <paramref name="month"/> (yyyymm), optionally of one department
    /// (accountants, admins, auditors). Revenue comes from the patients' account lines (charges and payments) as totals
    /// only: no patient is named, so no disclosure is recorded.
    /// </summary>
    public Outcome<IncomeExpenditureReport> Report(UserSession actor, int month, string? department)
    {
        if (!Reads(actor)) return access.Forbid<IncomeExpenditureReport>(actor, "read the income and expenditure of", actor.OrganisationId);
        var org = actor.OrganisationId;
        bool InMonth(DateOnly d) => d.Year * 100 + d.Month == month;
        var all = entries.Summaries(directory.Patients(org).Select(p => p.Id).ToHashSet(StringComparer.Ordinal)).Where(e => e.IsEffective).ToList();
        var lines = all.Where(e => e.Type.IsAccountLine() && InMonth(DateOnly.FromDateTime(time.Local(e.Details.OccurredAt).DateTime))).ToList();
        var stays = all.Where(e => e.Type is EntryType.Admission or EntryType.Transfer or EntryType.Discharge).ToLookup(e => e.PatientId, StringComparer.Ordinal);
        var monthExpenses = expenses.Expenses(org).Where(x => InMonth(x.Date) && x.Status != ExpenseStatus.Rejected).ToList();
        var monthBudgets = budgets.Budgets(org, month);

        static string KeyOf(string d) => ExpenseRules.DepartmentKey(d);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        void Name(string d)
        {
            if (!names.ContainsKey(KeyOf(d))) names[KeyOf(d)] = d.Trim();
        }
        foreach (var b in monthBudgets) Name(b.Department);
        foreach (var x in monthExpenses) Name(x.Department);
        var charges = lines.Where(e => e.Type == EntryType.Charge).Select(e => (Department: WardAt(stays[e.PatientId], e), Amount: e.Details.AccountEffect(e.Type))).ToList();
        foreach (var c in charges) Name(c.Department);

        var rows = names.Select(n =>
        {
            var revenue = charges.Where(c => KeyOf(c.Department) == n.Key).Sum(c => c.Amount);
            var approved = monthExpenses.Where(x => x.IsApproved && KeyOf(x.Department) == n.Key).Sum(x => x.Amount);
            var pending = monthExpenses.Where(x => x.Status == ExpenseStatus.PendingApproval && KeyOf(x.Department) == n.Key).Sum(x => x.Amount);
            decimal? budget = monthBudgets.FirstOrDefault(b => KeyOf(b.Department) == n.Key) is { } b ? Money.FromMinor(b.AmountMinor) : null;
            return new IncomeExpenditureRow(n.Value, revenue, approved, pending, budget, budget - approved, revenue - approved);
        });
        if (!string.IsNullOrWhiteSpace(department)) rows = rows.Where(r => KeyOf(r.Department) == KeyOf(department));
        var list = rows.OrderBy(r => r.Department, StringComparer.OrdinalIgnoreCase).ToList();
        var budgeted = list.Where(r => r.Budget is not null).ToList();
        decimal? totalBudget = budgeted.Count == 0 ? null : budgeted.Sum(r => r.Budget!.Value);
        var total = new IncomeExpenditureRow("Total", list.Sum(r => r.Revenue), list.Sum(r => r.ApprovedExpenses), list.Sum(r => r.PendingExpenses), totalBudget,
            totalBudget - budgeted.Sum(r => r.ApprovedExpenses), list.Sum(r => r.Net));
        decimal? payments = string.IsNullOrWhiteSpace(department) ? -lines.Where(e => e.Type == EntryType.Payment).Sum(e => e.Details.AccountEffect(e.Type)) : null;
        return Outcome<IncomeExpenditureReport>.Ok(new IncomeExpenditureReport(BudgetInput.FormatMonth(month), string.IsNullOrWhiteSpace(department) ? null : department.Trim(), list, total, payments));
    }

    /// <summary>
    /// The department a charge is attributed to: the ward of the patient's last admission or transfer at or before the
    /// charge, unless a discharge came after it; <see cref="NoDepartment"/> for outpatients.
    /// </summary>
    public static string WardAt(IEnumerable<EntryView> stay, EntryView charge)
    {
        var last = stay.Where(e => e.Details.OccurredAt <= charge.Details.OccurredAt).OrderBy(e => e.Details.OccurredAt).ThenBy(e => e.Proof.Height).ThenBy(e => e.Id, StringComparer.Ordinal).LastOrDefault();
        return last is { Type: EntryType.Admission or EntryType.Transfer } && last.Details.Ward.Trim().Length > 0 ? last.Details.Ward.Trim() : NoDepartment;
    }

    /// <summary>The month (yyyymm) of today in the hospital's time zone.</summary>
    public int ThisMonth => time.Today.Year * 100 + time.Today.Month;

    private (SealedRecordRef Reference, byte[] Ciphertext) SealFile(string recordId, byte[] content)
    {
        var dataKey = RandomNumberGenerator.GetBytes(RecordCrypto.DataKeyLength);
        try
        {
            var aad = SealedRecordRef.Aad(recordId, 1);
            var ciphertext = RecordCrypto.Encrypt(dataKey, RandomNumberGenerator.GetBytes(RecordCrypto.NonceLength), content, aad);
            var envelope = RecordCrypto.Wrap(dataKey, organisation.EncryptionKey, RandomNumberGenerator.GetBytes(32), aad);
            return (new SealedRecordRef(Hashing.Sha256(ciphertext), ciphertext.Length, [envelope]), ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private sealed class NodeState(LedgerNode node) : IStateReader
    {
        public bool TryGet(string key, [NotNullWhen(true)] out byte[]? value) => (value = node.GetState(key)) is not null;
    }
}
