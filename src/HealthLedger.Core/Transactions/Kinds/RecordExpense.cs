using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Records an expense of an organisation: date, category, department, amount (minor units), payment method in plaintext;
/// vendor and description sealed for the organisation, and optionally the invoice file sealed for it with the file's
/// SHA-256. Signed by an accountant or an admin of the organisation. An amount above the organisation's threshold
/// (<see cref="Expenses.Threshold"/>) is recorded as pending approval; otherwise it is approved at once. The date may not
/// be after the block's day (+<see cref="Expenses.FutureDaysAllowed"/>).
/// </summary>
/// <param name="ExpenseId">The new expense's id.</param>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="Day">The expense date, days since 1970-01-01.</param>
/// <param name="Category">One of <see cref="Expenses.Categories"/>.</param>
/// <param name="Department">The department (<see cref="Expenses.DepartmentRule"/>).</param>
/// <param name="AmountMinor">Amount in minor units, 1 to <see cref="Expenses.MaxAmountMinor"/>.</param>
/// <param name="PaymentMethod">One of <see cref="Expenses.PaymentMethods"/>.</param>
/// <param name="Record">The sealed details, with an envelope for the organisation.</param>
/// <param name="InvoiceSha256">SHA-256 of the invoice file's plaintext; null without an invoice.</param>
/// <param name="Invoice">The sealed invoice file (record id <see cref="ExpenseState.InvoiceRecordId"/>, version 1); null without one.</param>
public sealed record RecordExpensePayload(string ExpenseId, string OrganisationId, int Day, string Category, string Department, long AmountMinor, string PaymentMethod,
    SealedRecordRef Record, Hash256? InvoiceSha256, SealedRecordRef? Invoice) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RecordExpense;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => Invoice is null ? [Record] : [Record, Invoice];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(ExpenseId).Text(OrganisationId).VarUInt((ulong)Day).Text(Category).Text(Department).VarUInt((ulong)AmountMinor).Text(PaymentMethod);
        Record.Write(writer);
        writer.Bool(Invoice is not null);
        if (Invoice is not null)
        {
            writer.Hash(InvoiceSha256 ?? default);
            Invoice.Write(writer);
        }
    }
}

/// <summary>Executes <see cref="RecordExpensePayload"/>.</summary>
public sealed class RecordExpenseHandler : TxKindHandler<RecordExpensePayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RecordExpense;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RecordExpensePayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "expense id");
        r.Text(out var org, Identifiers.MaxLength, "organisation id");
        r.VarInt32(out var day, int.MaxValue, "day");
        r.Text(out var category, 64, "category");
        r.Text(out var department, 256, "department");
        r.VarUInt(out var amount, ulong.MaxValue, "amount");
        r.Text(out var method, 64, "payment method");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !r.Bool(out var hasInvoice)) return false;
        Hash256? hash = null;
        SealedRecordRef? invoice = null;
        if (hasInvoice)
        {
            if (!r.Hash(out var h, "invoice hash") || !SealedRecordRef.TryRead(ref r, out invoice)) return false;
            hash = h;
        }
        payload = new RecordExpensePayload(id, org, day, category, department, amount > long.MaxValue ? -1 : (long)amount, method, record, hash, invoice);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RecordExpensePayload p)
    {
        if (!Identifiers.IsValid(p.ExpenseId)) return Invalid("expenseId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.OrganisationId)) return Invalid("organisationId", Identifiers.Rule);
        if (p.Day is < 1 or > Expenses.MaxDay) return Invalid("date", "not a date");
        if (!Expenses.Categories.Contains(p.Category)) return Invalid("category", "must be one of " + string.Join(", ", Expenses.Categories));
        if (!Expenses.IsDepartment(p.Department)) return Invalid("department", Expenses.DepartmentRule);
        if (p.AmountMinor is < 1 or > Expenses.MaxAmountMinor) return Invalid("amount", "must be 0.01 to 100,000,000.00");
        if (!Expenses.PaymentMethods.Contains(p.PaymentMethod)) return Invalid("paymentMethod", "must be one of " + string.Join(", ", Expenses.PaymentMethods));
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RecordExpensePayload p)
    {
        if (ExpenseStaff.Require(context, p.OrganisationId, "record its expenses") is { } denied) return denied;
        var org = context.GetOrganisation(p.OrganisationId);
        if (org is null) return TxResult.Reject(TxVerdict.NotFound, $"organisation '{p.OrganisationId}' does not exist");
        if (context.State.Contains(ExpenseState.Key(p.ExpenseId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"expense id '{p.ExpenseId}' is taken");
        if (p.Day > Pharmacy.Day(context.Timestamp) + Expenses.FutureDaysAllowed) return TxResult.Reject(TxVerdict.InvalidField, "date: the expense date is in the future");
        if (TxContext.RequireEnvelopes(p.Record, ("the organisation", org.EncryptionKey)) is { } missing) return missing;
        if (p.Invoice is not null && TxContext.RequireEnvelopes(p.Invoice, ("the organisation", org.EncryptionKey)) is { } missingInvoice) return missingInvoice;
        var threshold = Expenses.Threshold(context.State, p.OrganisationId);
        var status = p.AmountMinor > threshold ? ExpenseStatus.PendingApproval : ExpenseStatus.Approved;
        context.State.Set(ExpenseState.Key(p.ExpenseId), new ExpenseState(p.ExpenseId, p.OrganisationId, p.Day, p.Category, p.Department.Trim(), p.AmountMinor, p.PaymentMethod,
            threshold, status, context.SignerUser!.Id, "", p.InvoiceSha256, p.Record, p.Invoice, new RecordProof(tx.Id, context.Height, context.Timestamp), null).Encode());
        return TxResult.Ok;
    }
}
